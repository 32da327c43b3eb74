//! The scan station's state machine: SCAN PARENT → SCAN CHILDREN → back, with
//! feedback before the server answers. Each scan is stamped once, when it is
//! captured (key, time, station), kept in IndexedDB from then until its final
//! answer, and sent exactly like that whether it goes live (see `live`) or is
//! replayed from the queue (see `outbox`).

use std::collections::VecDeque;

use leptos::prelude::*;
use tracetrack_api_types::scans::{BatchEvent, ParentView};
use tracetrack_api_types::{BatchKind, ParentStatus};
use tracetrack_domain::{normalize_qr, Classification, FormatSet};

use super::actions::Unanswered;
use super::outbox::ReplayState;
use super::refused::{self, Refused};
use crate::feedback::{play, Signal};
use crate::i18n::T;
use crate::queue::{self, Queued};
use crate::session::Session;

/// Flash colours; a symbol goes with each, so colour is never the only signal.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Flash {
    Ok,
    Parent,
    Error,
}

/// One line of the recent-scans list.
#[derive(Clone, Debug)]
pub struct Line {
    pub text: String,
    pub ok: bool,
}

/// Everything the station page shows.
#[derive(Clone, Copy)]
pub struct Station {
    pub session: Session,
    pub parent: RwSignal<Option<ParentView>>,
    pub message: RwSignal<(String, bool)>,
    pub flash: RwSignal<Option<Flash>>,
    pub lines: RwSignal<Vec<Line>>,
    /// How many scans have no answer yet (not counting the one being sent live).
    pub waiting: RwSignal<usize>,
    /// Those scans, oldest first.
    pub queued: RwSignal<Vec<BatchEvent>>,
    /// Other users' scans waiting for them to sign in again: (username, how many).
    pub others: RwSignal<Vec<(String, usize)>>,
    /// The user whose parent, recent lines and refused list are shown.
    pub(super) shown_for: StoredValue<Option<i64>>,
    /// Queued scans the server refused for good, until the worker dismisses them.
    pub refused: RwSignal<Vec<Refused>>,
    /// Why the last replay of the queue failed as a whole (cleared when one succeeds).
    pub note: RwSignal<Option<String>>,
    pub formats: RwSignal<Option<FormatSet>>,
    pub last_activity: RwSignal<f64>,
    pub station_id: StoredValue<String>,
    pub(super) replay_state: StoredValue<ReplayState>,
    /// Bumped whenever the shown parent changes, so a slow re-read never overwrites a newer answer.
    pub(super) parent_gen: StoredValue<u64>,
    /// Scans captured but not yet sent live, in scan order: a child never overtakes its parent.
    pub(super) jobs: StoredValue<VecDeque<Queued>>,
    /// The key of the scan the live sender is handling (the replay leaves it alone).
    pub(super) current: StoredValue<Option<String>>,
    pub(super) sending: RwSignal<bool>,
    /// The undo or seal whose answer never came (its key is used again).
    pub(super) unanswered: StoredValue<Unanswered>,
}

/// The remembered parent, per user.
fn parent_key(user: Option<i64>) -> String {
    format!("tt_station_parent:{}", user.unwrap_or_default())
}

pub(super) fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

impl Station {
    /// A station for this device.
    pub fn new(session: Session, station_id: String) -> Station {
        let shown_for = session.owner().map(|o| o.id);
        let st = Station {
            session,
            parent: RwSignal::new(None),
            message: RwSignal::new((T.station_ready.to_string(), true)),
            flash: RwSignal::new(None),
            lines: RwSignal::new(Vec::new()),
            waiting: RwSignal::new(0),
            queued: RwSignal::new(Vec::new()),
            others: RwSignal::new(Vec::new()),
            shown_for: StoredValue::new(shown_for),
            refused: RwSignal::new(refused::load_refused(shown_for)),
            note: RwSignal::new(None),
            formats: RwSignal::new(None),
            last_activity: RwSignal::new(js_sys::Date::now()),
            station_id: StoredValue::new(station_id),
            replay_state: StoredValue::new(ReplayState::default()),
            parent_gen: StoredValue::new(0),
            jobs: StoredValue::new(VecDeque::new()),
            current: StoredValue::new(None),
            sending: RwSignal::new(false),
            unanswered: StoredValue::new(Unanswered::default()),
        };
        // The station shows one user's work: another user signing in gets their own.
        Effect::new(move |_| {
            let id = session.user.with(|u| u.as_ref().map(|u| u.id));
            if id.is_some() && id != st.shown_for.get_value() {
                st.switch_user(id);
            }
        });
        st
    }

    /// Shows `user`'s parent and refused list, and forgets the last user's lines.
    pub(super) fn switch_user(&self, user: Option<i64>) {
        self.shown_for.set_value(user);
        self.lines.set(Vec::new());
        self.refused.set(refused::load_refused(user));
        self.note.set(None);
        self.say(T.station_ready, true);
        self.parent_gen.update_value(|g| *g += 1);
        self.parent.set(self.remembered_parent());
        let st = *self;
        leptos::task::spawn_local(async move {
            st.refresh_waiting().await;
            st.kick(true);
        });
    }

    pub(super) fn say(&self, text: impl Into<String>, ok: bool) {
        self.message.set((text.into(), ok));
    }

    pub(super) fn signal(&self, s: Signal) {
        play(s);
        self.flash.set(Some(match s {
            Signal::Child => Flash::Ok,
            Signal::Parent => Flash::Parent,
            Signal::Error => Flash::Error,
        }));
        let flash = self.flash;
        set_timeout(move || flash.set(None), std::time::Duration::from_millis(350));
    }

    pub(super) fn error(&self, text: impl Into<String>) {
        self.signal(Signal::Error);
        let text = text.into();
        self.push_line(text.clone(), false);
        self.say(text, false);
    }

    pub(super) fn push_line(&self, text: String, ok: bool) {
        self.lines.update(|l| {
            l.insert(0, Line { text, ok });
            l.truncate(8);
        });
    }

    pub(super) fn set_parent(&self, p: Option<ParentView>) {
        if let Some(s) = storage() {
            let key = parent_key(self.shown_for.get_value());
            let _ = match p.as_ref().and_then(|p| serde_json::to_string(p).ok()) {
                Some(json) => s.set_item(&key, &json),
                None => s.remove_item(&key),
            };
        }
        self.parent_gen.update_value(|g| *g += 1);
        self.parent.set(p);
    }

    /// The parent the station had for its user before a reload or a new sign-in.
    pub fn remembered_parent(&self) -> Option<ParentView> {
        let key = parent_key(self.shown_for.get_value());
        serde_json::from_str(&storage()?.get_item(&key).ok()??).ok()
    }

    /// Back to SCAN PARENT.
    pub fn finish(&self) {
        self.set_parent(None);
        self.say(T.station_ready, true);
    }

    /// Handles one scanned code.
    pub fn on_code(&self, raw: String) {
        self.last_activity.set(js_sys::Date::now());
        if self.session.owner().is_none() {
            return self.error(T.station_sign_in);
        }
        let qr = match normalize_qr(&raw) {
            Ok(qr) => qr,
            Err(e) => return self.error(format!("{}: {e}", T.not_a_bag_code)),
        };
        // A scan after an unanswered undo or seal makes the next press a new one.
        self.forget_unanswered();
        let class = self
            .formats
            .with_untracked(|f| match f.as_ref().map(|f| f.classify(&qr)) {
                Some(Classification::Parent(spec)) => Some(Some(spec.capacity.unwrap_or(0))),
                Some(Classification::Child(_)) => Some(None),
                Some(Classification::Unknown) => None,
                None => Some(None),
            });
        match (class, self.parent.get_untracked()) {
            (None, _) => self.error(format!("{qr}: {}", T.unknown_code)),
            (Some(Some(capacity)), _) => self.start_parent(qr, capacity),
            (Some(None), Some(parent)) => self.scan_child(parent, qr),
            (Some(None), None) => self.error(format!("{qr}: {}", T.scan_parent_first)),
        }
    }

    /// The scan as it will be sent, every time: stamped here and never again.
    fn capture(&self, kind: BatchKind, qr_id: String, parent_qr_id: Option<String>) -> BatchEvent {
        BatchEvent {
            kind,
            qr_id,
            parent_qr_id,
            idempotency_key: queue::new_key(),
            occurred_at: queue::now(),
            station_id: Some(self.station_id.get_value()),
        }
    }

    fn start_parent(&self, qr: String, capacity: i32) {
        let event = self.capture(BatchKind::Parent, qr.clone(), None);
        self.signal(Signal::Parent);
        self.say(format!("{qr}…"), true);
        let placeholder = ParentView {
            qr_id: qr,
            format_code: String::new(),
            status: ParentStatus::Open,
            child_count: 0,
            capacity,
            weight_kg: 0.0,
            remaining: capacity,
            dispatch_area: None,
            bill_number: None,
        };
        self.set_parent(Some(placeholder));
        self.submit(event);
    }

    fn scan_child(&self, parent: ParentView, qr: String) {
        let event = self.capture(BatchKind::Child, qr.clone(), Some(parent.qr_id.clone()));
        self.signal(Signal::Child);
        self.say(format!("{qr} → {}", parent.qr_id), true);
        self.submit(event);
    }
}
