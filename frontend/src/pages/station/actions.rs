//! The station's buttons (undo, seal) and its start-up.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tracetrack_api_types::bags::SealRequest;
use tracetrack_api_types::scans::{ParentView, UndoResponse};
use tracetrack_api_types::{BagStatus, ParentStatus};
use tracetrack_domain::FormatSet;

use gloo_net::http::Method;

use super::controller::{storage, Station};
use crate::api::ApiError;
use crate::feedback::{play, Signal};
use crate::i18n::T;
use crate::queue;

/// How long an undo or a seal may take before it counts as no answer.
const ACTION_TIMEOUT_MS: u32 = 10_000;

/// The key of a press whose answer never came: the next press of the same action
/// repeats it (and gets its first answer) instead of doing it twice.
#[derive(Clone, Debug, Default)]
pub(super) struct Unanswered {
    /// The action (`undo`, or the seal of a parent with a reason) and its key.
    pending: Option<(String, String)>,
}

impl Station {
    /// Forgets the key of an unanswered undo or seal: the next press is a new action.
    pub(super) fn forget_unanswered(&self) {
        self.unanswered.update_value(|u| u.pending = None);
    }

    /// True (and says so) while scans wait: an undo or a seal now would overtake them.
    fn scans_waiting(&self) -> bool {
        let busy = self.waiting.get_untracked() > 0
            || self.current.with_value(Option::is_some)
            || self.jobs.with_value(|q| !q.is_empty());
        if busy {
            self.error(T.wait_for_queue);
        }
        busy
    }

    /// Sends an undo (no body) or a seal (`seal`) with an idempotency key stamped once
    /// per press (kept for the next press while no final answer came).
    async fn act<T: serde::de::DeserializeOwned>(
        &self,
        what: String,
        path: &str,
        seal: Option<&SealRequest>,
    ) -> Result<T, ApiError> {
        let key = self
            .unanswered
            .try_update_value(|u| match &u.pending {
                Some((w, k)) if *w == what => k.clone(),
                _ => {
                    let k = queue::new_key();
                    u.pending = Some((what.clone(), k.clone()));
                    k
                }
            })
            .unwrap_or_else(queue::new_key);
        let headers = [("Idempotency-Key", key.as_str())];
        let timeout = Some(ACTION_TIMEOUT_MS);
        let reply = match seal {
            Some(body) => {
                self.session
                    .send_json(Method::POST, path, body, &headers, timeout)
                    .await
            }
            None => {
                self.session
                    .send_within(Method::POST, path, None, &headers, timeout)
                    .await
            }
        };
        let last = match &reply {
            Ok(r) => r.status != 429 && r.status < 500,
            Err(_) => false,
        };
        if last {
            self.unanswered.update_value(|u| u.pending = None);
        }
        reply?.into_result()
    }

    /// Undoes the user's last link.
    pub fn undo(&self) {
        if self.scans_waiting() {
            return;
        }
        let st = *self;
        spawn_local(async move {
            match st.act::<UndoResponse>("undo".into(), "/api/v1/scans/undo", None).await {
                Ok(r) => {
                    play(Signal::Parent);
                    st.push_line(format!("{} {}", T.undone, r.unlinked_qr_id), true);
                    st.say(
                        format!(
                            "{} {} · {}/{}",
                            T.undone, r.unlinked_qr_id, r.parent.child_count, r.parent.capacity
                        ),
                        true,
                    );
                    if matches!(r.parent.status, ParentStatus::Open) {
                        st.set_parent(Some(r.parent));
                    }
                }
                Err(e) => st.error(e.message()),
            }
        });
    }

    /// Seals the current parent with a reason.
    pub fn seal(&self, reason: String) {
        let Some(parent) = self.parent.get_untracked() else {
            return;
        };
        if self.scans_waiting() {
            return;
        }
        let st = *self;
        spawn_local(async move {
            let path = format!("/api/v1/bags/{}/seal", parent.qr_id);
            let what = format!("seal {} {reason}", parent.qr_id);
            let body = SealRequest { reason: Some(reason) };
            match st.act::<serde_json::Value>(what, &path, Some(&body)).await {
                Ok(_) => {
                    play(Signal::Parent);
                    st.push_line(format!("{} {}", parent.qr_id, T.sealed), true);
                    st.set_parent(None);
                    st.say(format!("{} {}", parent.qr_id, T.sealed), true);
                }
                Err(e) => st.error(e.message()),
            }
        });
    }

    /// Loads the bag formats (cached for offline starts) and the remembered parent,
    /// then sends whatever waits.
    pub async fn start(&self) {
        const FORMATS_KEY: &str = "tt_formats";
        let fetched: Result<tracetrack_api_types::Items<tracetrack_api_types::admin::BagFormat>, _> =
            self.session.get_quiet("/api/v1/bag-formats").await;
        let formats = match fetched {
            Ok(items) => {
                if let (Some(s), Ok(json)) = (storage(), serde_json::to_string(&items.items)) {
                    let _ = s.set_item(FORMATS_KEY, &json);
                }
                items.items
            }
            Err(_) => storage()
                .and_then(|s| s.get_item(FORMATS_KEY).ok().flatten())
                .and_then(|j| serde_json::from_str(&j).ok())
                .unwrap_or_default(),
        };
        let specs = formats
            .into_iter()
            .filter(|f| f.active)
            .map(|f| tracetrack_domain::FormatSpec {
                role: f.role,
                code: f.code,
                pattern: f.pattern,
                capacity: f.capacity,
                child_weight_g: f.child_weight_kg.map(|kg| (kg * 1000.0).round() as i32),
            })
            .collect();
        self.formats.set(Some(FormatSet::new(specs)));
        let user = self.session.user.with_untracked(|u| u.as_ref().map(|u| u.id));
        if user.is_some() && user != self.shown_for.get_value() {
            // Another user signed in: show theirs, not the last user's.
            self.switch_user(user);
        }
        if let Some(remembered) = self.remembered_parent() {
            // Shown at once (also offline), then refreshed from the server.
            if self.message.with_untracked(|m| m.0 == T.station_ready) {
                self.say(format!("{} · {}", remembered.qr_id, T.scan_children), true);
            }
            self.set_parent(Some(remembered));
        }
        // Scans left from before a reload are replayed before they are counted: one the
        // server already committed gets its first answer and is never shown as waiting.
        // Only a replay that takes long shows the count meanwhile.
        let st = *self;
        set_timeout(
            move || {
                if st.replay_state.with_value(|s| s.running()) {
                    spawn_local(async move { st.refresh_waiting().await });
                }
            },
            std::time::Duration::from_millis(1500),
        );
        self.replay(true).await;
        self.refresh_parent().await;
    }

    /// Re-reads the current parent from the server; one no longer open is let go.
    pub(super) async fn refresh_parent(&self) {
        let Some(current) = self.parent.get_untracked() else {
            return;
        };
        let generation = self.parent_gen.get_value();
        let path = format!("/api/v1/bags/{}", current.qr_id);
        let Ok(detail) = self
            .session
            .get_quiet::<tracetrack_api_types::bags::BagDetail>(&path)
            .await
        else {
            return;
        };
        // A newer answer (or another parent) arrived while this one was on its way.
        if self.parent_gen.get_value() != generation {
            return;
        }
        let b = detail.bag;
        // A bag that is not an open parent (any more) is let go.
        let BagStatus::Parent(ParentStatus::Open) = b.status else {
            return self.set_parent(None);
        };
        let view = ParentView {
            qr_id: b.qr_id,
            format_code: b.format_code,
            status: ParentStatus::Open,
            child_count: b.child_count.unwrap_or(0),
            capacity: b.capacity.unwrap_or(0),
            weight_kg: b.weight_kg.unwrap_or(0.0),
            remaining: b.remaining.unwrap_or(0),
            dispatch_area: b.dispatch_area,
            bill_number: b.bill_number,
        };
        self.set_parent(Some(view));
    }
}
