//! The scan station's state machine: SCAN PARENT → SCAN CHILDREN → back, with
//! feedback before the server answers and an offline queue when it cannot.

use std::collections::VecDeque;

use gloo_net::http::Method;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;
use tracetrack_api_types::scans::{ParentView, ScanChildResponse, ScanParentResponse, UndoResponse};
use tracetrack_domain::{normalize_qr, Classification, FormatSet};

use crate::api::ApiError;
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
    pub waiting: RwSignal<usize>,
    pub formats: RwSignal<Option<FormatSet>>,
    pub last_activity: RwSignal<f64>,
    pub station_id: StoredValue<String>,
    replaying: RwSignal<bool>,
    /// Scans waiting to be sent, in scan order: a child must never overtake its parent.
    jobs: StoredValue<VecDeque<Job>>,
    sending: RwSignal<bool>,
}

/// One scan to send.
#[derive(Clone, Debug)]
enum Job {
    Parent(String),
    Child(String, String),
}

const PARENT_KEY: &str = "tt_station_parent";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

impl Station {
    /// A station for this device.
    pub fn new(session: Session, station_id: String) -> Station {
        Station {
            session,
            parent: RwSignal::new(None),
            message: RwSignal::new((T.station_ready.to_string(), true)),
            flash: RwSignal::new(None),
            lines: RwSignal::new(Vec::new()),
            waiting: RwSignal::new(0),
            formats: RwSignal::new(None),
            last_activity: RwSignal::new(js_sys::Date::now()),
            station_id: StoredValue::new(station_id),
            replaying: RwSignal::new(false),
            jobs: StoredValue::new(VecDeque::new()),
            sending: RwSignal::new(false),
        }
    }

    fn headers(&self, key: &str) -> Vec<(String, String)> {
        vec![
            ("Idempotency-Key".into(), key.into()),
            ("X-Station-Id".into(), self.station_id.get_value()),
        ]
    }

    fn say(&self, text: impl Into<String>, ok: bool) {
        self.message.set((text.into(), ok));
    }

    fn signal(&self, s: Signal) {
        play(s);
        self.flash.set(Some(match s {
            Signal::Child => Flash::Ok,
            Signal::Parent => Flash::Parent,
            Signal::Error => Flash::Error,
        }));
        let flash = self.flash;
        set_timeout(move || flash.set(None), std::time::Duration::from_millis(350));
    }

    fn error(&self, text: impl Into<String>) {
        self.signal(Signal::Error);
        let text = text.into();
        self.push_line(text.clone(), false);
        self.say(text, false);
    }

    fn push_line(&self, text: String, ok: bool) {
        self.lines.update(|l| {
            l.insert(0, Line { text, ok });
            l.truncate(8);
        });
    }

    fn set_parent(&self, p: Option<ParentView>) {
        if let Some(s) = storage() {
            let _ = match p.as_ref().and_then(|p| serde_json::to_string(p).ok()) {
                Some(json) => s.set_item(PARENT_KEY, &json),
                None => s.remove_item(PARENT_KEY),
            };
        }
        self.parent.set(p);
    }

    /// The parent the station had before a reload or a new sign-in.
    pub fn remembered_parent() -> Option<ParentView> {
        serde_json::from_str(&storage()?.get_item(PARENT_KEY).ok()??).ok()
    }

    /// Back to SCAN PARENT.
    pub fn finish(&self) {
        self.set_parent(None);
        self.say(T.station_ready, true);
    }

    /// Handles one scanned code.
    pub fn on_code(&self, raw: String) {
        self.last_activity.set(js_sys::Date::now());
        let qr = match normalize_qr(&raw) {
            Ok(qr) => qr,
            Err(e) => return self.error(format!("{}: {e}", T.not_a_bag_code)),
        };
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

    fn start_parent(&self, qr: String, capacity: i32) {
        self.signal(Signal::Parent);
        self.say(format!("{qr}…"), true);
        let placeholder = ParentView {
            qr_id: qr.clone(),
            format_code: String::new(),
            status: "open".into(),
            child_count: 0,
            capacity,
            weight_kg: 0.0,
            remaining: capacity,
            dispatch_area: None,
            bill_number: None,
        };
        self.set_parent(Some(placeholder));
        self.submit(Job::Parent(qr));
    }

    /// Queues a scan for sending and starts the sender if it is idle.
    fn submit(&self, job: Job) {
        self.jobs.update_value(|q| q.push_back(job));
        if self.sending.get_untracked() {
            return;
        }
        self.sending.set(true);
        let st = *self;
        spawn_local(async move {
            while let Some(job) = st.jobs.try_update_value(|q| q.pop_front()).flatten() {
                match job {
                    Job::Parent(qr) => st.send_parent(qr).await,
                    Job::Child(parent, qr) => st.send_child(parent, qr).await,
                }
            }
            st.sending.set(false);
        });
    }

    async fn send_parent(&self, qr: String) {
        let key = queue::new_key();
        if self.waiting.get_untracked() > 0 {
            // Older scans still wait: keep the order, queue behind them.
            return self.enqueue("parent", &qr, None, key).await;
        }
        let answer = self
            .send_scan(
                "/api/v1/scans/parent",
                json!({"qr_id": qr, "occurred_at": queue::now_rfc3339()}),
                &key,
            )
            .await;
        match answer {
            Ok(body) => match serde_json::from_value::<ScanParentResponse>(body) {
                Ok(r) => self.parent_opened(r.parent),
                Err(_) => self.error(T.unexpected_answer),
            },
            Err(ApiError::Network) => self.enqueue("parent", &qr, None, key).await,
            Err(e) => {
                if self.parent.get_untracked().is_some_and(|p| p.qr_id == qr) {
                    self.set_parent(None);
                }
                self.error(e.message());
            }
        }
    }

    fn parent_opened(&self, parent: ParentView) {
        if parent.remaining <= 0 || parent.status != "open" {
            self.set_parent(None);
            self.error(format!(
                "{} {} ({}/{})",
                parent.qr_id, T.takes_no_more, parent.child_count, parent.capacity
            ));
            return;
        }
        self.say(format!("{} · {}", parent.qr_id, T.scan_children), true);
        self.set_parent(Some(parent));
    }

    fn scan_child(&self, parent: ParentView, qr: String) {
        self.signal(Signal::Child);
        self.say(format!("{qr} → {}", parent.qr_id), true);
        self.submit(Job::Child(parent.qr_id, qr));
    }

    async fn send_child(&self, parent: String, qr: String) {
        let key = queue::new_key();
        if self.waiting.get_untracked() > 0 {
            return self.enqueue("child", &qr, Some(parent), key).await;
        }
        let body = json!({"parent_qr_id": parent, "qr_id": qr, "occurred_at": queue::now_rfc3339()});
        match self.send_scan("/api/v1/scans/child", body, &key).await {
            Ok(body) => match serde_json::from_value::<ScanChildResponse>(body) {
                Ok(r) => self.child_linked(r),
                Err(_) => self.error(T.unexpected_answer),
            },
            Err(ApiError::Network) => self.enqueue("child", &qr, Some(parent), key).await,
            Err(e) => self.error(e.message()),
        }
    }

    fn child_linked(&self, r: ScanChildResponse) {
        let already = r.outcome == "already_linked";
        let text = if already {
            format!("{} {} {}", r.child.qr_id, T.already_in, r.parent.qr_id)
        } else {
            format!("{} ✓ {}/{}", r.child.qr_id, r.parent.child_count, r.parent.capacity)
        };
        self.push_line(text.clone(), true);
        self.say(text, true);
        let current = self.parent.get_untracked().map(|p| p.qr_id);
        if current.as_deref() == Some(r.parent.qr_id.as_str()) {
            if r.parent.remaining <= 0 {
                self.set_parent(None);
                self.say(
                    format!(
                        "{} {} {}/{}",
                        r.parent.qr_id, T.is_full, r.parent.child_count, r.parent.capacity
                    ),
                    true,
                );
            } else {
                self.set_parent(Some(r.parent));
            }
        }
    }

    async fn send_scan(&self, path: &str, body: serde_json::Value, key: &str) -> Result<serde_json::Value, ApiError> {
        let headers = self.headers(key);
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let reply = self.session.send(Method::POST, path, Some(body), &headers).await?;
        if reply.status == 401 {
            // Signed out: keep the scan for after the next sign-in.
            return Err(ApiError::Network);
        }
        reply.into_result()
    }

    async fn enqueue(&self, kind: &str, qr: &str, parent: Option<String>, key: String) {
        let item = Queued {
            seq: None,
            kind: kind.into(),
            qr_id: qr.into(),
            parent_qr_id: parent,
            idempotency_key: key,
            occurred_at: queue::now_rfc3339(),
        };
        if queue::push(&item).await.is_err() {
            return self.error(T.queue_failed);
        }
        self.refresh_waiting().await;
        self.push_line(format!("{qr} · {}", T.waiting_for_network), true);
        let st = *self;
        spawn_local(async move { st.replay().await });
    }

    /// Re-reads the queue length.
    pub async fn refresh_waiting(&self) {
        self.waiting.set(queue::all().await.len());
    }

    /// Sends queued scans through `/scans/batch`, in order; errors are shown, not dropped.
    pub async fn replay(&self) {
        if self.replaying.get_untracked() || self.session.token.get_untracked().is_none() {
            return;
        }
        let items = queue::all().await;
        if items.is_empty() {
            self.waiting.set(0);
            return;
        }
        self.replaying.set(true);
        let events: Vec<_> = items
            .iter()
            .take(200)
            .cloned()
            .map(|mut q| {
                q.seq = None;
                q
            })
            .collect();
        let reply = self
            .session
            .send(
                Method::POST,
                "/api/v1/scans/batch",
                Some(json!({"events": events})),
                &[],
            )
            .await;
        if let Ok(reply) = reply {
            if reply.status == 200 {
                let results = reply.body["results"].as_array().cloned().unwrap_or_default();
                let done: Vec<u64> = items.iter().take(results.len()).filter_map(|q| q.seq).collect();
                queue::remove(&done).await;
                for (item, result) in items.iter().zip(&results) {
                    let status = result["status"].as_u64().unwrap_or(0);
                    if status >= 400 {
                        let detail = result["body"]["detail"].as_str().unwrap_or("");
                        self.error(format!("{} {}: {detail}", T.replay_failed, item.qr_id));
                    } else if let Ok(r) = serde_json::from_value::<ScanChildResponse>(result["body"].clone()) {
                        self.child_linked(r);
                    } else if let Ok(r) = serde_json::from_value::<ScanParentResponse>(result["body"].clone()) {
                        if self.parent.get_untracked().is_some_and(|p| p.qr_id == r.parent.qr_id) {
                            self.set_parent(Some(r.parent));
                        }
                    }
                }
            }
        }
        self.replaying.set(false);
        self.refresh_waiting().await;
    }

    /// Undoes the user's last link.
    pub fn undo(&self) {
        let st = *self;
        spawn_local(async move {
            match st
                .session
                .post::<_, UndoResponse>("/api/v1/scans/undo", &json!({}))
                .await
            {
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
                    if r.parent.status == "open" {
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
        let st = *self;
        spawn_local(async move {
            let path = format!("/api/v1/bags/{}/seal", parent.qr_id);
            match st
                .session
                .post::<_, serde_json::Value>(&path, &json!({"reason": reason}))
                .await
            {
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

    /// Loads the bag formats (cached for offline starts) and the remembered parent.
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
                code: f.code,
                role: tracetrack_domain::BagRole::parse(&f.role).unwrap_or(tracetrack_domain::BagRole::Child),
                pattern: f.pattern,
                capacity: f.capacity,
                child_weight_g: f.child_weight_kg.map(|kg| (kg * 1000.0).round() as i32),
            })
            .collect();
        self.formats.set(Some(FormatSet::new(specs)));
        self.refresh_waiting().await;
        if let Some(remembered) = Station::remembered_parent() {
            // Shown at once (also offline), then refreshed from the server.
            self.parent.set(Some(remembered.clone()));
            let path = format!("/api/v1/bags/{}", remembered.qr_id);
            if let Ok(detail) = self
                .session
                .get_quiet::<tracetrack_api_types::bags::BagDetail>(&path)
                .await
            {
                let b = detail.bag;
                let view = ParentView {
                    qr_id: b.qr_id,
                    format_code: b.format_code,
                    status: b.status,
                    child_count: b.child_count.unwrap_or(0),
                    capacity: b.capacity.unwrap_or(0),
                    weight_kg: b.weight_kg.unwrap_or(0.0),
                    remaining: b.remaining.unwrap_or(0),
                    dispatch_area: b.dispatch_area,
                    bill_number: b.bill_number,
                };
                self.set_parent((view.status == "open").then_some(view));
            }
        }
        self.replay().await;
    }
}
