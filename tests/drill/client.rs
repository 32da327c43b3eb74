//! The drill's stations: signing in, sending with retries, and what they saw.

use super::*;

/// One answer (or network failure) as the client saw it.
pub(crate) struct Seen {
    pub(crate) at_ms: u64,
    /// A scan endpoint or a batch event (not the sign-in, not a whole batch request).
    pub(crate) scan: bool,
    /// `None`: network error or timeout.
    pub(crate) status: Option<u16>,
}

#[derive(Default)]
pub(crate) struct Tally {
    pub(crate) seen: Vec<Seen>,
    /// Acknowledged child scans: (child, parent).
    pub(crate) acked: Vec<(String, String)>,
    /// One line per 500 answer.
    pub(crate) http_500: Vec<String>,
    pub(crate) http_500_ids: Vec<String>,
    /// Final answers a healthy station never gets (and sign-in failures).
    pub(crate) unexpected: Vec<String>,
    /// Requests still without a final answer when the drill ended.
    pub(crate) unfinished: u64,
    pub(crate) sign_ins: u64,
    pub(crate) batch: BatchTally,
}

/// What the batch phones saw.
#[derive(Default)]
pub(crate) struct BatchTally {
    /// Per-event answers (`scan` is true).
    pub(crate) events_seen: Vec<Seen>,
    /// Batches collected, and events in them.
    pub(crate) batches: u64,
    pub(crate) events: u64,
    /// `POST /scans/batch` requests sent (first sends and resends).
    pub(crate) requests: u64,
    /// Requests that failed as a whole (network error, 429, 5xx).
    pub(crate) request_failures: u64,
    /// Events sent again (in a resent whole batch or as a held-back 429/5xx event).
    pub(crate) resent_events: u64,
    /// Acknowledged parent and child events.
    pub(crate) acked_parents: u64,
    pub(crate) acked_children: u64,
    /// Children past the parent's capacity, refused `parent_full` (expected).
    pub(crate) parent_full: u64,
    /// Final answers marked `replayed` (the first answer to a key sent again).
    pub(crate) replayed: u64,
    /// Batches abandoned after an unexpected request answer.
    pub(crate) abandoned: u64,
}

pub(crate) struct Shared {
    pub(crate) client: reqwest::Client,
    pub(crate) args: Args,
    /// No new scans.
    pub(crate) stop: AtomicBool,
    /// Retrying ends too.
    pub(crate) hard_stop: AtomicBool,
    /// The first scan was acknowledged (the script waits for `<dir>/load-running`).
    pub(crate) running: AtomicBool,
}

pub(crate) struct Station {
    pub(crate) shared: Arc<Shared>,
    pub(crate) name: String,
    pub(crate) token: String,
    pub(crate) tally: Tally,
}

impl Station {
    /// A station that has signed in; the tally with the failure when it could not.
    pub(crate) async fn signed_in(shared: Arc<Shared>, name: String) -> Result<Station, Tally> {
        let mut st = Station {
            shared,
            name,
            token: String::new(),
            tally: Tally::default(),
        };
        match st.sign_in().await {
            Ok(()) => Ok(st),
            Err(e) => {
                st.tally.unexpected.push(format!("{}: {e}", st.name));
                Err(st.tally)
            }
        }
    }

    pub(crate) fn record(&mut self, scan: bool, status: Option<u16>) -> u64 {
        let at_ms = now_ms();
        self.tally.seen.push(Seen { at_ms, scan, status });
        at_ms
    }

    /// Signs in, retrying while the service is unavailable.
    pub(crate) async fn sign_in(&mut self) -> Result<(), String> {
        let shared = self.shared.clone();
        let a = &shared.args;
        let url = format!("{}/api/v1/auth/login", a.base);
        let body = json!({"username": a.user, "password": a.password});
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            self.tally.sign_ins += 1;
            let request_id = format!("{}-login{}.{attempt}", self.name, self.tally.sign_ins);
            let sent = shared
                .client
                .post(&url)
                .header("X-Request-Id", &request_id)
                .json(&body)
                .send()
                .await;
            match read(sent).await {
                None => {
                    self.record(false, None);
                }
                Some((status, answer)) => {
                    let at = self.record(false, Some(status));
                    if status == 500 {
                        self.note_500(
                            at,
                            "/api/v1/auth/login",
                            &request_id,
                            &json!({"username": a.user}),
                            &answer,
                        );
                    }
                    if (200..300).contains(&status) {
                        let token = answer["access_token"].as_str().unwrap_or_default();
                        if token.is_empty() {
                            return Err(format!("sign-in answered {status} without access_token: {answer}"));
                        }
                        self.token = token.to_string();
                        return Ok(());
                    }
                    if status < 500 && status != 429 {
                        return Err(format!("sign-in answered {status}: {answer}"));
                    }
                }
            }
            if self.shared.hard_stop.load(Ordering::Relaxed) {
                return Err("stopped while signing in".into());
            }
            tokio::time::sleep(BACKOFF).await;
        }
    }

    pub(crate) fn note_500(&mut self, at: u64, path: &str, request_id: &str, body: &Value, answer: &Value) {
        self.tally.http_500.push(format!(
            "{} POST {path} request_id={request_id} body={body} -> code={} detail={:?} instance={}",
            rfc3339(at),
            answer["code"].as_str().unwrap_or("?"),
            answer["detail"].as_str().unwrap_or("?"),
            answer["instance"].as_str().unwrap_or("?"),
        ));
        self.tally.http_500_ids.push(request_id.to_string());
    }

    /// Replays one batch of collected events until each has a final answer: the events
    /// answered 429/5xx are sent again (same keys and bodies, in order) in the next
    /// request, and a request that fails as a whole is sent again as it was. Returns
    /// false when the drill ended first.
    pub(crate) async fn replay(&mut self, batch_no: u64, events: Vec<Value>) -> bool {
        let url = format!("{}/api/v1/scans/batch", self.shared.args.base);
        let mut pending = events;
        let mut attempt = 0u32;
        while !pending.is_empty() {
            attempt += 1;
            if attempt > 1 {
                self.tally.batch.resent_events += pending.len() as u64;
            }
            self.tally.batch.requests += 1;
            let request_id = format!("{}-b{batch_no}.{attempt}", self.name);
            let body = json!({ "events": pending });
            let sent = self
                .shared
                .client
                .post(&url)
                .bearer_auth(&self.token)
                .header("X-Station-Id", &self.name)
                .header("X-Request-Id", &request_id)
                .json(&body)
                .send()
                .await;
            let answer = read(sent).await;
            // Counted with the sign-ins (`scan` false): a 200 batch may hold only 503s.
            let at = self.record(false, answer.as_ref().map(|(status, _)| *status));
            match answer {
                Some((status, answer)) if (200..300).contains(&status) => {
                    let results = answer["results"].as_array().cloned().unwrap_or_default();
                    let keys_match = results.len() == pending.len()
                        && results
                            .iter()
                            .zip(&pending)
                            .all(|(r, e)| r["idempotency_key"] == e["idempotency_key"]);
                    if !keys_match {
                        self.tally.unexpected.push(format!(
                            "POST /api/v1/scans/batch ({} events) -> {status} with {} results or other keys: {answer}",
                            pending.len(),
                            results.len()
                        ));
                        self.tally.batch.abandoned += 1;
                        return true;
                    }
                    let mut again = Vec::new();
                    for (event, result) in pending.into_iter().zip(results) {
                        if self.batch_result(at, &request_id, &event, &result) {
                            again.push(event);
                        }
                    }
                    pending = again;
                    if pending.is_empty() {
                        return true;
                    }
                }
                Some((401, _)) => {
                    if let Err(e) = self.sign_in().await {
                        self.tally.unexpected.push(format!("{}: {e}", self.name));
                        self.tally.unfinished += pending.len() as u64;
                        return false;
                    }
                    continue;
                }
                Some((status, answer)) if status < 500 && status != 429 => {
                    self.tally.unexpected.push(format!(
                        "POST /api/v1/scans/batch ({} events) -> {status} {answer}",
                        pending.len()
                    ));
                    self.tally.batch.abandoned += 1;
                    return true;
                }
                Some((status, answer)) => {
                    self.tally.batch.request_failures += 1;
                    if status == 500 {
                        let summary = json!({"events": pending.len()});
                        self.note_500(at, "/api/v1/scans/batch", &request_id, &summary, &answer);
                    }
                }
                None => self.tally.batch.request_failures += 1,
            }
            if self.shared.hard_stop.load(Ordering::Relaxed) {
                self.tally.unfinished += pending.len() as u64;
                return false;
            }
            tokio::time::sleep(BACKOFF).await;
        }
        true
    }

    /// Books one per-event result; true when the event must be sent again (429/5xx).
    pub(crate) fn batch_result(&mut self, at_ms: u64, request_id: &str, event: &Value, result: &Value) -> bool {
        let status = result["status"].as_u64().map_or(0, |s| s as u16);
        self.tally.batch.events_seen.push(Seen {
            at_ms,
            scan: true,
            status: Some(status),
        });
        let body = &result["body"];
        let child = event["kind"] == "child";
        if result["replayed"] == true {
            self.tally.batch.replayed += 1;
        }
        if status == 500 {
            self.note_500(at_ms, "/api/v1/scans/batch (event)", request_id, event, body);
        }
        if status == 429 || status >= 500 {
            return true;
        }
        let parent = event["parent_qr_id"].as_str().unwrap_or_default();
        let outcome = body["outcome"].as_str().unwrap_or_default();
        if (200..300).contains(&status) && !child {
            self.tally.batch.acked_parents += 1;
        } else if (200..300).contains(&status)
            && (outcome == "linked" || outcome == "already_linked")
            && body["parent"]["qr_id"] == parent
        {
            self.tally.batch.acked_children += 1;
            let qr = event["qr_id"].as_str().unwrap_or_default().to_string();
            self.acknowledged(qr, parent);
        } else if child && status == 409 && body["code"] == "parent_full" {
            self.tally.batch.parent_full += 1;
        } else {
            self.tally.unexpected.push(format!(
                "POST /api/v1/scans/batch ({request_id}) event {event} -> {status} {body}"
            ));
        }
        false
    }

    /// Sends a scan until it gets a final answer: the same key and body every time.
    /// `None` when the drill ended first.
    pub(crate) async fn send(&mut self, path: &str, body: &Value, key: &str) -> Option<(u16, Value)> {
        let url = format!("{}{path}", self.shared.args.base);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let request_id = format!("{key}.{attempt}");
            let sent = self
                .shared
                .client
                .post(&url)
                .bearer_auth(&self.token)
                .header("Idempotency-Key", key)
                .header("X-Station-Id", &self.name)
                .header("X-Request-Id", &request_id)
                .json(body)
                .send()
                .await;
            match read(sent).await {
                None => {
                    self.record(true, None);
                }
                Some((status, answer)) => {
                    let at = self.record(true, Some(status));
                    if status == 500 {
                        self.note_500(at, path, &request_id, body, &answer);
                    }
                    if status == 401 {
                        if let Err(e) = self.sign_in().await {
                            self.tally.unexpected.push(format!("{}: {e}", self.name));
                            self.tally.unfinished += 1;
                            return None;
                        }
                        continue;
                    }
                    if status < 500 && status != 429 {
                        return Some((status, answer));
                    }
                }
            }
            if self.shared.hard_stop.load(Ordering::Relaxed) {
                self.tally.unfinished += 1;
                return None;
            }
            tokio::time::sleep(BACKOFF).await;
        }
    }

    pub(crate) fn stopped(&self) -> bool {
        self.shared.stop.load(Ordering::Relaxed)
    }

    pub(crate) fn acknowledged(&mut self, child: String, parent: &str) {
        self.tally.acked.push((child, parent.to_string()));
        if !self.shared.running.swap(true, Ordering::Relaxed) {
            let _ = std::fs::write(self.shared.args.dir.join("load-running"), "");
        }
    }
}
