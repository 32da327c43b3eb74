//! The live path: a captured scan is written to the IndexedDB queue at once, then
//! sent on its own endpoint, one at a time in scan order, and removed from the
//! queue when its final answer arrives. A scan that gets no final answer, or that
//! has older scans still waiting, stays in the queue for the replay (`outbox`); so
//! does every scan when the page is reloaded or closed before its answer.

use gloo_net::http::Method;
use leptos::prelude::*;
use leptos::task::spawn_local;
use tracetrack_api_types::scans::{BatchEvent, ScanChildRequest, ScanParentRequest, UnlinkRequest};
use tracetrack_api_types::BatchKind;

use super::controller::Station;
use super::outbox::{self, Answer};
use super::refused::Refused;
use crate::api::{ApiError, Reply};
use crate::i18n::T;
use crate::queue::{self, Queued};

/// A live scan unanswered after this long counts as no answer: it stays queued and
/// is replayed (same key), so it never holds back the scans after it.
const SCAN_TIMEOUT_MS: u32 = 10_000;

impl Station {
    /// Keeps a captured scan (of the user signed in on this device) in the queue and
    /// hands it to the live sender.
    pub(super) fn submit(&self, event: BatchEvent) {
        let Some(owner) = self.session.owner() else {
            return self.error(T.station_sign_in);
        };
        let item = Queued::new(event, &owner);
        // The write is asked for here, before anything is sent: the sender's next
        // read of the queue comes after it and finds the scan there.
        let stored = queue::push(&item);
        self.jobs.update_value(|q| q.push_back(item));
        let st = *self;
        spawn_local(async move {
            // A failed write is handled by the sender (it sends the scan live anyway).
            if stored.await.is_ok() && st.current.with_value(Option::is_some) {
                // It waits behind a scan on its way: count it.
                st.refresh_waiting().await;
            }
        });
        if self.sending.get_untracked() {
            return;
        }
        self.sending.set(true);
        spawn_local(async move {
            while let Some(item) = st.jobs.try_update_value(|q| q.pop_front()).flatten() {
                st.current.set_value(Some(item.event.idempotency_key.clone()));
                st.send(item).await;
                st.current.set_value(None);
            }
            st.sending.set(false);
        });
    }

    /// True while the live sender still has this scan (the replay must not send it).
    pub(super) fn owned(&self, key: &str) -> bool {
        self.current.with_value(|c| c.as_deref() == Some(key))
            || self
                .jobs
                .with_value(|q| q.iter().any(|i| i.event.idempotency_key == key))
    }

    /// Sends one scan on its own endpoint, or leaves it to the replay behind older
    /// waiting scans of its user (or for its user, when someone else signed in since).
    async fn send(&self, item: Queued) {
        let items: Vec<Queued> = queue::all()
            .await
            .into_iter()
            .filter(|q| q.is_of(item.user_id))
            .collect();
        let position = items
            .iter()
            .position(|q| q.event.idempotency_key == item.event.idempotency_key);
        let seq = position.and_then(|i| items[i].seq);
        let older = match position {
            Some(i) => i > 0,
            // Not kept (storage failed): the counter is all we know.
            None => self.waiting.get_untracked() > 0,
        };
        let signed_in = self.session.user.with_untracked(|u| u.as_ref().map(|u| u.id));
        let someone_else = signed_in.is_some() && signed_in != item.user_id;
        if older || someone_else {
            // Keep the order (the replay sends it after the older ones), and never send
            // a scan with another user's token.
            return self.hand_over(item, seq).await;
        }
        let event = &item.event;
        let answer = match self.send_single(event).await {
            // Signed out: keep the scan for after the next sign-in.
            Ok(reply) if reply.status == 401 => Answer::Later,
            Ok(reply) => outbox::classify(reply.status, reply.body),
            // No answer (it may still have been committed): the same scan waits.
            Err(_) => Answer::Later,
        };
        if matches!(answer, Answer::Later) {
            return self.hand_over(item, seq).await;
        }
        queue::remove(&seq.into_iter().collect::<Vec<_>>()).await;
        if item.user_id.is_some() && item.user_id != self.shown_for.get_value() {
            // Its user signed out meanwhile: what they see is theirs alone.
            if let Answer::Refused { code, detail } = answer {
                self.add_refused(item.user_id, vec![Refused::of(event, code, detail)]);
            }
            return;
        }
        match answer {
            Answer::Applied(body) => self.applied(event, body, false),
            Answer::Refused { detail, .. } => {
                if matches!(event.kind, BatchKind::Parent)
                    && self.parent.get_untracked().is_some_and(|p| p.qr_id == event.qr_id)
                {
                    self.set_parent(None);
                }
                self.error(detail);
            }
            Answer::Later => {}
        }
        if self.waiting.get_untracked() > 0 {
            self.refresh_waiting().await;
            self.kick(true);
        }
    }

    /// Leaves a scan in the queue for the replay (writing it there if that failed at capture).
    async fn hand_over(&self, item: Queued, seq: Option<u64>) {
        if seq.is_none() && queue::push(&item).await.is_err() {
            return self.error(T.queue_failed);
        }
        self.current.set_value(None);
        self.refresh_waiting().await;
        if item.is_of(self.shown_for.get_value()) {
            self.push_line(format!("{} · {}", item.event.qr_id, T.waiting_for_network), true);
        }
        // A replay under way picks it up when it ends; otherwise the back-off decides.
        let running = self.replay_state.with_value(|s| s.running());
        self.kick(running);
    }

    /// Sends a scan on its own endpoint, with the same fields the batch carries.
    async fn send_single(&self, event: &BatchEvent) -> Result<Reply, ApiError> {
        let station = event.station_id.clone().unwrap_or_else(|| self.station_id.get_value());
        let headers = [
            ("Idempotency-Key", event.idempotency_key.as_str()),
            ("X-Station-Id", station.as_str()),
        ];
        let (qr_id, occurred_at) = (event.qr_id.clone(), event.occurred_at);
        let timeout = Some(SCAN_TIMEOUT_MS);
        let session = &self.session;
        match event.kind {
            BatchKind::Parent => {
                let body = ScanParentRequest { qr_id, occurred_at };
                session
                    .send_json(Method::POST, "/api/v1/scans/parent", &body, &headers, timeout)
                    .await
            }
            BatchKind::Unlink => {
                let body = UnlinkRequest { qr_id, occurred_at };
                session
                    .send_json(Method::POST, "/api/v1/scans/unlink", &body, &headers, timeout)
                    .await
            }
            BatchKind::Child => {
                let body = ScanChildRequest {
                    // Every child scan is captured with its parent.
                    parent_qr_id: event.parent_qr_id.clone().unwrap_or_default(),
                    qr_id,
                    occurred_at,
                };
                session
                    .send_json(Method::POST, "/api/v1/scans/child", &body, &headers, timeout)
                    .await
            }
        }
    }
}
