//! The station's outbox: scans the server has not confirmed wait in IndexedDB
//! exactly as they were captured (from their capture on, see `live`) and are
//! replayed through `/scans/batch`, one replay at a time, backing off while the
//! network or the server fails; at start-up everything left there is replayed
//! first. Scans the server refuses for good go to the refused list (`refused`).

use std::time::Duration;

use gloo_net::http::Method;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;
use tracetrack_api_types::scans::{BatchRequest, BatchResult};
use tracetrack_api_types::BatchKind;

use super::controller::Station;
use super::refused::Refused;
use crate::feedback::Signal;
use crate::i18n::T;
use crate::queue::{self, Queued};

/// Most events `/scans/batch` takes at once.
const BATCH_MAX: usize = 500;
/// Longest pause between two replays while they fail.
const BACKOFF_MAX_MS: f64 = 5000.0;
/// A replay unanswered after this long counts as no answer (sent again later, same
/// keys), so a hung request never leaves the replay running for good.
const BATCH_TIMEOUT_MS: u32 = 20_000;

/// What the server said about one scan.
pub(super) enum Answer {
    /// Applied (2xx): the single endpoint's answer.
    Applied(Value),
    /// Refused for good (4xx): a repeat would get the same answer.
    Refused { code: String, detail: String },
    /// Not applied (no answer, 429, 5xx): send it again later with the same key.
    Later,
}

/// Sorts an answer by its status.
pub(super) fn classify(status: u16, body: Value) -> Answer {
    match status {
        200..=299 => Answer::Applied(body),
        429 | 500.. => Answer::Later,
        _ => Answer::Refused {
            code: body["code"].as_str().unwrap_or("error").to_string(),
            detail: body["detail"].as_str().unwrap_or_default().to_string(),
        },
    }
}

/// One replay at a time, with back-off.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct ReplayState {
    running: bool,
    /// Asked to run now while one was running: run again when it ends.
    again: bool,
    backoff_ms: f64,
    next_at: f64,
    /// This replay gave some scan its final answer.
    settled: bool,
}

impl ReplayState {
    /// A replay is under way.
    pub(super) fn running(&self) -> bool {
        self.running
    }
}

/// How one round of a replay ended.
enum Round {
    /// Nothing waits any more.
    Drained,
    /// Every sent scan has its final answer; look again at once (more may wait).
    More,
    /// Something must be sent again later.
    Retry,
}

impl Station {
    /// Re-reads the queue: every scan of the shown user without its final answer but
    /// the one being sent live, and how many other users' scans wait for them.
    pub async fn refresh_waiting(&self) {
        let user = self.shown_for.get_value();
        let mut items = Vec::new();
        let mut others: Vec<(String, usize)> = Vec::new();
        for q in queue::all().await {
            if !q.is_of(user) {
                let name = q.username.unwrap_or_default();
                match others.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, count)) => *count += 1,
                    None => others.push((name, 1)),
                }
            } else if self
                .current
                .with_value(|c| c.as_deref() != Some(q.event.idempotency_key.as_str()))
            {
                items.push(q.event);
            }
        }
        self.waiting.set(items.len());
        self.queued.set(items);
        self.others.set(others);
    }

    /// Child scans of `parent` still waiting in the queue.
    pub fn pending_for(&self, parent: &str) -> usize {
        self.queued.with(|q| {
            q.iter()
                .filter(|e| matches!(e.kind, BatchKind::Child) && e.parent_qr_id.as_deref() == Some(parent))
                .count()
        })
    }

    /// Starts a replay in the background; `now` skips the back-off (the network is
    /// back, or the server just answered).
    pub fn kick(&self, now: bool) {
        let st = *self;
        spawn_local(async move { st.replay(now).await });
    }

    /// Sends queued scans through `/scans/batch`, in order, until the queue is empty
    /// or something has to wait; never two at once.
    pub async fn replay(&self, now: bool) {
        let go = self
            .replay_state
            .try_update_value(|s| {
                if s.running {
                    s.again |= now;
                    false
                } else if !now && js_sys::Date::now() + 20.0 < s.next_at {
                    false
                } else {
                    s.running = true;
                    s.again = false;
                    s.settled = false;
                    true
                }
            })
            .unwrap_or(false);
        if !go {
            return;
        }
        loop {
            match self.replay_round().await {
                Round::More => continue,
                Round::Drained => {
                    self.replay_state.update_value(|s| {
                        s.backoff_ms = 0.0;
                        s.next_at = 0.0;
                    });
                    break;
                }
                Round::Retry => {
                    self.back_off();
                    break;
                }
            }
        }
        self.refresh_waiting().await;
        if self.replay_state.with_value(|s| s.settled) {
            // Replayed answers are as of their first commit: show the parent as it is now.
            self.refresh_parent().await;
        }
        let again = self
            .replay_state
            .try_update_value(|s| {
                s.running = false;
                std::mem::take(&mut s.again)
            })
            .unwrap_or(false);
        if again {
            self.kick(true);
        }
    }

    /// Waits 1 s, 2 s, 4 s, then 5 s between failed replays.
    fn back_off(&self) {
        let delay = self
            .replay_state
            .try_update_value(|s| {
                s.backoff_ms = if s.backoff_ms <= 0.0 {
                    1000.0
                } else {
                    (s.backoff_ms * 2.0).min(BACKOFF_MAX_MS)
                };
                s.next_at = js_sys::Date::now() + s.backoff_ms;
                s.backoff_ms
            })
            .unwrap_or(BACKOFF_MAX_MS);
        let st = *self;
        set_timeout(move || st.kick(false), Duration::from_millis(delay as u64));
    }

    /// One `/scans/batch` request for the oldest waiting scans.
    async fn replay_round(&self) -> Round {
        let user = self.session.user.with_untracked(|u| u.as_ref().map(|u| u.id));
        if self.session.token.get_untracked().is_none() || user.is_none() {
            // Signed out: the scans wait for the next sign-in.
            return Round::Retry;
        }
        // Only the signed-in user's scans go with their token; those the live sender
        // still has are its own, and nothing after them goes first.
        let mut batch: Vec<Queued> = queue::all()
            .await
            .into_iter()
            .filter(|q| q.is_of(user))
            .take_while(|q| !self.owned(&q.event.idempotency_key))
            .collect();
        if batch.is_empty() {
            return Round::Drained;
        }
        batch.truncate(BATCH_MAX);
        let body = BatchRequest {
            events: batch.iter().map(|q| q.event.clone()).collect(),
        };
        let station = self.station_id.get_value();
        let headers = [("X-Station-Id", station.as_str())];
        let reply = match self
            .session
            .send_json(
                Method::POST,
                "/api/v1/scans/batch",
                &body,
                &headers,
                Some(BATCH_TIMEOUT_MS),
            )
            .await
        {
            Ok(reply) => reply,
            Err(_) => return Round::Retry,
        };
        if reply.status != 200 {
            self.batch_failed(reply.status, &reply.body);
            return Round::Retry;
        }
        self.note.set(None);
        let results: Vec<BatchResult> = serde_json::from_value(reply.body["results"].clone()).unwrap_or_default();
        self.settle(user, &batch, results).await
    }

    /// Applies the per-scan answers: final ones leave the queue, the rest wait.
    async fn settle(&self, user: Option<i64>, batch: &[Queued], results: Vec<BatchResult>) -> Round {
        // The user signed out (and maybe another in) while the batch was on its way.
        let shown = user == self.shown_for.get_value();
        let mut done = Vec::new();
        let mut refused = Vec::new();
        let mut later = results.len() < batch.len();
        for (item, result) in batch.iter().zip(results) {
            let event = &item.event;
            if result.idempotency_key != event.idempotency_key {
                later = true;
                continue;
            }
            match classify(result.status, result.body) {
                Answer::Applied(body) if shown => self.applied(event, body, true),
                Answer::Applied(_) => {}
                Answer::Refused { code, detail } => {
                    let shown_parent = self.parent.get_untracked().is_some_and(|p| p.qr_id == event.qr_id);
                    if shown && matches!(event.kind, BatchKind::Parent) && shown_parent {
                        // The parent shown while it waited was refused: scan another.
                        self.set_parent(None);
                    }
                    refused.push(Refused::of(event, code, detail));
                }
                Answer::Later => {
                    later = true;
                    continue;
                }
            }
            done.extend(item.seq);
        }
        if !done.is_empty() && shown {
            self.replay_state.update_value(|s| s.settled = true);
        }
        queue::remove(&done).await;
        self.refresh_waiting().await;
        if !refused.is_empty() {
            self.add_refused(user, refused);
        }
        if later {
            Round::Retry
        } else {
            Round::More
        }
    }

    /// A batch refused as a whole: said once, kept visible, the scans kept.
    fn batch_failed(&self, status: u16, body: &Value) {
        let text = if status == 401 {
            T.sync_sign_in.to_string()
        } else {
            let detail = body["detail"].as_str().unwrap_or_default();
            let code = body["code"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| status.to_string());
            format!("{} {detail} ({code})", T.sync_failed)
        };
        // The error signal once; the message line each time, so it is never hidden for long.
        if self.note.get_untracked().as_deref() != Some(text.as_str()) {
            self.signal(Signal::Error);
            self.note.set(Some(text.clone()));
        }
        self.say(text, false);
    }
}
