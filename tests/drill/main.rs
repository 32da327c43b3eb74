//! Fault drill client (issue 9), driven by `tests/drill/run.sh`: scan stations that
//! keep scanning children into parents while the script restarts PostgreSQL, kills
//! Redis and kills the server. Like a real station, a request that fails (network
//! error, timeout, 5xx, 429) is retried with the same `Idempotency-Key` and the same
//! body until it gets a final answer (2xx or 4xx); a 401 signs in again first.
//!
//! The script appends `<epoch ms> <name>` lines to the markers file at every fault
//! step and `stop` at the end. Then the client checks the database with `psql`
//! (every acknowledged scan has its link and exactly one `linked` event, parent
//! counters equal their links), prints the figures and exits non-zero when an
//! assertion fails. The request ids of 500 answers go to `<dir>/http500-ids.txt`
//! so the script can show the server log around them.
//!
//! Besides them, `--batch-clients` phones (2) behave like the web app's offline queue
//! coming back from a dead zone: each collects a new parent and 4–33 children (each
//! event with its own fixed `Idempotency-Key`, `occurred_at` and `station_id`) and
//! replays them as one `POST /api/v1/scans/batch`. Per event, 2xx is acknowledged,
//! 4xx is final (only `parent_full`, for the children past the parent's capacity, is
//! expected) and 429/5xx is sent again (the same events, in order) in the next batch;
//! a whole request that fails (network error, 5xx, 429) is sent again as it was.
//! Acknowledged batch scans get the same database checks; a per-event 500 fails too.
//!
//! `drill --base URL --markers FILE --dir DIR [--database-url URL] [--clients 8] [--batch-clients 2] [--user admin] [--password PW]`
//! (the password defaults to `ADMIN_PASSWORD`, the database to `DATABASE_URL`).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::future::join_all;
use serde_json::{json, Value};

/// Pause between two attempts of the same request.
const BACKOFF: Duration = Duration::from_millis(200);
/// After `stop`, how long a request may still retry before it is left unfinished.
const STOP_GRACE: Duration = Duration::from_secs(15);
/// The service must answer a scan within this long of PostgreSQL accepting connections.
const PG_RECOVERY_LIMIT_S: f64 = 5.0;
/// The parent format of the seed data (`^SB\d{5}$`, 30 children).
const PARENT_IDS: usize = 100_000;
/// Child ids are 7 digits, as on the printed labels (`^[A-Z0-9]{4,20}$`).
const CHILD_IDS: usize = 10_000_000;
/// The most children a phone collects for one parent (capacity 30: the rest get `parent_full`).
const BATCH_MAX_CHILDREN: usize = 33;

struct Args {
    base: String,
    user: String,
    password: String,
    clients: usize,
    batch_clients: usize,
    markers: PathBuf,
    dir: PathBuf,
    database_url: String,
    max_seconds: u64,
}

fn args() -> Args {
    let mut a = Args {
        base: "http://127.0.0.1:8080".into(),
        user: "admin".into(),
        password: std::env::var("ADMIN_PASSWORD").unwrap_or_default(),
        clients: 8,
        batch_clients: 2,
        markers: PathBuf::new(),
        dir: PathBuf::new(),
        database_url: std::env::var("DATABASE_URL").unwrap_or_default(),
        max_seconds: 300,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--base" => a.base = value,
            "--user" => a.user = value,
            "--password" => a.password = value,
            "--clients" => a.clients = value.parse().expect("--clients N"),
            "--batch-clients" => a.batch_clients = value.parse().expect("--batch-clients N"),
            "--markers" => a.markers = value.into(),
            "--dir" => a.dir = value.into(),
            "--database-url" => a.database_url = value,
            "--max-seconds" => a.max_seconds = value.parse().expect("--max-seconds N"),
            other => panic!("unknown flag {other}"),
        }
    }
    assert!((1..=100).contains(&a.clients), "--clients must be between 1 and 100");
    assert!(a.batch_clients <= 20, "--batch-clients must be at most 20");
    assert!(
        !a.markers.as_os_str().is_empty() && !a.dir.as_os_str().is_empty(),
        "--markers FILE and --dir DIR are required"
    );
    a
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as u64
}

/// RFC 3339 UTC time of an epoch millisecond (civil-from-days, H. Hinnant).
fn rfc3339(ms: u64) -> String {
    let secs = ms / 1000;
    let rem = secs % 86_400;
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

/// One answer (or network failure) as the client saw it.
struct Seen {
    at_ms: u64,
    /// A scan endpoint or a batch event (not the sign-in, not a whole batch request).
    scan: bool,
    /// `None`: network error or timeout.
    status: Option<u16>,
}

#[derive(Default)]
struct Tally {
    seen: Vec<Seen>,
    /// Acknowledged child scans: (child, parent).
    acked: Vec<(String, String)>,
    /// One line per 500 answer.
    http_500: Vec<String>,
    http_500_ids: Vec<String>,
    /// Final answers a healthy station never gets (and sign-in failures).
    unexpected: Vec<String>,
    /// Requests still without a final answer when the drill ended.
    unfinished: u64,
    sign_ins: u64,
    batch: BatchTally,
}

/// What the batch phones saw.
#[derive(Default)]
struct BatchTally {
    /// Per-event answers (`scan` is true).
    events_seen: Vec<Seen>,
    /// Batches collected, and events in them.
    batches: u64,
    events: u64,
    /// `POST /scans/batch` requests sent (first sends and resends).
    requests: u64,
    /// Requests that failed as a whole (network error, 429, 5xx).
    request_failures: u64,
    /// Events sent again (in a resent whole batch or as a held-back 429/5xx event).
    resent_events: u64,
    /// Acknowledged parent and child events.
    acked_parents: u64,
    acked_children: u64,
    /// Children past the parent's capacity, refused `parent_full` (expected).
    parent_full: u64,
    /// Final answers marked `replayed` (the first answer to a key sent again).
    replayed: u64,
    /// Batches abandoned after an unexpected request answer.
    abandoned: u64,
}

struct Shared {
    client: reqwest::Client,
    args: Args,
    /// No new scans.
    stop: AtomicBool,
    /// Retrying ends too.
    hard_stop: AtomicBool,
    /// The first scan was acknowledged (the script waits for `<dir>/load-running`).
    running: AtomicBool,
}

struct Station {
    shared: Arc<Shared>,
    name: String,
    token: String,
    tally: Tally,
}

impl Station {
    fn record(&mut self, scan: bool, status: Option<u16>) -> u64 {
        let at_ms = now_ms();
        self.tally.seen.push(Seen { at_ms, scan, status });
        at_ms
    }

    /// Signs in, retrying while the service is unavailable.
    async fn sign_in(&mut self) -> Result<(), String> {
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

    fn note_500(&mut self, at: u64, path: &str, request_id: &str, body: &Value, answer: &Value) {
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
    async fn replay(&mut self, batch_no: u64, events: Vec<Value>) -> bool {
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
    fn batch_result(&mut self, at_ms: u64, request_id: &str, event: &Value, result: &Value) -> bool {
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
    async fn send(&mut self, path: &str, body: &Value, key: &str) -> Option<(u16, Value)> {
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

    fn stopped(&self) -> bool {
        self.shared.stop.load(Ordering::Relaxed)
    }

    fn acknowledged(&mut self, child: String, parent: &str) {
        self.tally.acked.push((child, parent.to_string()));
        if !self.shared.running.swap(true, Ordering::Relaxed) {
            let _ = std::fs::write(self.shared.args.dir.join("load-running"), "");
        }
    }
}

/// Status and JSON body, or `None` for a network error, a timeout or a cut-off body.
async fn read(sent: Result<reqwest::Response, reqwest::Error>) -> Option<(u16, Value)> {
    let res = sent.ok()?;
    let status = res.status().as_u16();
    let bytes = res.bytes().await.ok()?;
    Some((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
}

/// One station: fills its own parents (`SB…`) with new 7-digit children.
async fn station(shared: Arc<Shared>, id: usize) -> Tally {
    let clients = shared.args.clients + shared.args.batch_clients;
    let mut st = Station {
        shared,
        name: format!("drill{id:02}"),
        token: String::new(),
        tally: Tally::default(),
    };
    if let Err(e) = st.sign_in().await {
        st.tally.unexpected.push(format!("{}: {e}", st.name));
        return st.tally;
    }
    let (parent_stride, child_stride) = (PARENT_IDS / clients, CHILD_IDS / clients);
    let (mut parent_no, mut child_no) = (0, 0);
    'parents: while !st.stopped() && parent_no < parent_stride {
        let parent = format!("SB{:05}", id * parent_stride + parent_no);
        parent_no += 1;
        let key = format!("{}-p{parent_no}", st.name);
        let body = json!({"qr_id": parent, "occurred_at": rfc3339(now_ms())});
        match st.send("/api/v1/scans/parent", &body, &key).await {
            None => break,
            Some((200 | 201, _)) => {}
            Some((status, answer)) => {
                st.tally
                    .unexpected
                    .push(format!("POST /api/v1/scans/parent {body} -> {status} {answer}"));
                continue;
            }
        }
        while !st.stopped() && child_no < child_stride {
            let child = format!("{:07}", id * child_stride + child_no);
            child_no += 1;
            let key = format!("{}-c{child_no}", st.name);
            let body = json!({"parent_qr_id": parent, "qr_id": child, "occurred_at": rfc3339(now_ms())});
            let Some((status, answer)) = st.send("/api/v1/scans/child", &body, &key).await else {
                break 'parents;
            };
            let outcome = answer["outcome"].as_str().unwrap_or_default();
            if (200..300).contains(&status)
                && (outcome == "linked" || outcome == "already_linked")
                && answer["parent"]["qr_id"] == parent.as_str()
            {
                st.acknowledged(child, &parent);
                if answer["parent"]["remaining"].as_i64() == Some(0) {
                    continue 'parents;
                }
            } else if status == 409 && answer["code"] == "parent_full" {
                continue 'parents;
            } else {
                st.tally
                    .unexpected
                    .push(format!("POST /api/v1/scans/child {body} -> {status} {answer}"));
                continue 'parents;
            }
        }
    }
    st.tally
}

/// One phone with an offline queue: collects a new parent and its children while "in a
/// dead zone", then replays them as one batch, again and again.
async fn phone(shared: Arc<Shared>, no: usize) -> Tally {
    let clients = shared.args.clients + shared.args.batch_clients;
    let id = shared.args.clients + no;
    let mut st = Station {
        shared,
        name: format!("phone{no:02}"),
        token: String::new(),
        tally: Tally::default(),
    };
    if let Err(e) = st.sign_in().await {
        st.tally.unexpected.push(format!("{}: {e}", st.name));
        return st.tally;
    }
    let (parent_stride, child_stride) = (PARENT_IDS / clients, CHILD_IDS / clients);
    let (mut parent_no, mut child_no) = (0, 0);
    let mut batch_no = 0u64;
    while !st.stopped() && parent_no < parent_stride && child_no + BATCH_MAX_CHILDREN <= child_stride {
        let parent = format!("SB{:05}", id * parent_stride + parent_no);
        parent_no += 1;
        batch_no += 1;
        // 4 to 33 children: some batches run past the capacity of 30.
        let children = 4 + (batch_no as usize * 7) % (BATCH_MAX_CHILDREN - 3);
        // Captured 300 ms apart while offline, stamped then.
        let captured = now_ms() - 300 * (children as u64 + 1);
        let at = |i: usize| rfc3339(captured + 300 * i as u64);
        let mut events = vec![json!({
            "kind": "parent",
            "qr_id": parent,
            "idempotency_key": format!("{}-p{parent_no}", st.name),
            "occurred_at": at(0),
            "station_id": st.name,
        })];
        for i in 1..=children {
            let child = format!("{:07}", id * child_stride + child_no);
            child_no += 1;
            events.push(json!({
                "kind": "child",
                "qr_id": child,
                "parent_qr_id": parent,
                "idempotency_key": format!("{}-c{child_no}", st.name),
                "occurred_at": at(i),
                "station_id": st.name,
            }));
        }
        st.tally.batch.batches += 1;
        st.tally.batch.events += events.len() as u64;
        if !st.replay(batch_no, events).await {
            break;
        }
    }
    st.tally
}

/// Stops the load when the script writes `stop` (or after `--max-seconds`).
async fn watch(shared: Arc<Shared>) {
    let started = Instant::now();
    let limit = Duration::from_secs(shared.args.max_seconds);
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let text = std::fs::read_to_string(&shared.args.markers).unwrap_or_default();
        if text.lines().any(|l| l.ends_with(" stop")) {
            break;
        }
        if started.elapsed() > limit {
            eprintln!("drill: no stop marker after {} s; stopping", limit.as_secs());
            break;
        }
    }
    shared.stop.store(true, Ordering::Relaxed);
    tokio::time::sleep(STOP_GRACE).await;
    shared.hard_stop.store(true, Ordering::Relaxed);
}

/// `(epoch ms, name)` lines of the markers file, in time order.
fn markers(path: &PathBuf) -> Vec<(u64, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out: Vec<(u64, String)> = text
        .lines()
        .filter_map(|l| {
            let (at, name) = l.trim().split_once(' ')?;
            Some((at.parse().ok()?, name.trim().to_string()))
        })
        .collect();
    out.sort();
    out
}

/// What the database says about the drill's scans.
#[derive(Debug, Default)]
struct DbFigures {
    acked: i64,
    lost: i64,
    doubled: i64,
    links_without_event: i64,
    events_without_link: i64,
    parents: i64,
    counters_bad: i64,
    links: i64,
    child_status_bad: i64,
}

const CHECKS: &str = r#"
WITH linked_events AS (
    SELECT qr_id, parent_qr_id, count(*) AS n
    FROM scan_event WHERE kind = 'child' AND outcome = 'linked'
    GROUP BY qr_id, parent_qr_id
), links AS (
    SELECT c.qr_id AS child, p.qr_id AS parent
    FROM bag_link l JOIN bag c ON c.id = l.child_id JOIN bag p ON p.id = l.parent_id
    WHERE c.deleted_at IS NULL AND p.deleted_at IS NULL
)
SELECT
    (SELECT count(*) FROM acked),
    (SELECT count(*) FROM acked a
       LEFT JOIN links k ON k.child = a.child AND k.parent = a.parent
       LEFT JOIN linked_events e ON e.qr_id = a.child AND e.parent_qr_id = a.parent
      WHERE k.child IS NULL OR e.qr_id IS NULL),
    (SELECT count(*) FROM (SELECT qr_id FROM scan_event WHERE kind = 'child' AND outcome = 'linked'
                           GROUP BY qr_id HAVING count(*) > 1) d),
    (SELECT count(*) FROM links k
      WHERE NOT EXISTS (SELECT 1 FROM linked_events e WHERE e.qr_id = k.child AND e.parent_qr_id = k.parent)),
    (SELECT count(*) FROM linked_events e
      WHERE NOT EXISTS (SELECT 1 FROM links k WHERE k.child = e.qr_id AND k.parent = e.parent_qr_id)),
    (SELECT count(*) FROM bag WHERE role = 'parent'),
    (SELECT count(*) FROM bag p WHERE p.role = 'parent'
        AND p.child_count <> (SELECT count(*) FROM bag_link l WHERE l.parent_id = p.id)),
    (SELECT count(*) FROM links),
    (SELECT count(*) FROM bag c WHERE c.role = 'child'
        AND (c.status = 'linked') <> EXISTS (SELECT 1 FROM bag_link l WHERE l.child_id = c.id));
"#;

/// Loads the acknowledged scans into a temporary table and runs [`CHECKS`] with psql.
fn check_database(url: &str, acked: &[(String, String)]) -> Result<DbFigures, String> {
    let mut script = String::from("CREATE TEMP TABLE acked (child TEXT COLLATE \"C\", parent TEXT COLLATE \"C\");\n");
    script.push_str("COPY acked FROM STDIN;\n");
    for (child, parent) in acked {
        script.push_str(&format!("{child}\t{parent}\n"));
    }
    script.push_str("\\.\n");
    // Fresh tables have no statistics yet; without them the plan takes seconds.
    script.push_str("SET jit = off;\nANALYZE acked, bag, bag_link, scan_event;\n");
    script.push_str(CHECKS);
    let mut psql = Command::new("psql")
        .args(["-X", "-q", "-A", "-t", "-F", " ", "-v", "ON_ERROR_STOP=1", "-d", url])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run psql: {e}"))?;
    psql.stdin
        .take()
        .expect("psql stdin")
        .write_all(script.as_bytes())
        .map_err(|e| format!("writing to psql: {e}"))?;
    let out = psql.wait_with_output().map_err(|e| format!("psql: {e}"))?;
    if !out.status.success() {
        return Err(format!("psql failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let n: Vec<i64> = text
        .split_whitespace()
        .map(|w| w.parse().map_err(|_| format!("unexpected psql output {text:?}")))
        .collect::<Result<_, _>>()?;
    let [acked, lost, doubled, links_without_event, events_without_link, parents, counters_bad, links, child_status_bad] =
        n[..]
    else {
        return Err(format!("unexpected psql output {text:?}"));
    };
    Ok(DbFigures {
        acked,
        lost,
        doubled,
        links_without_event,
        events_without_link,
        parents,
        counters_bad,
        links,
        child_status_bad,
    })
}

/// Seconds from `from` to the first 2xx scan answer at or after it.
fn first_scan_2xx(seen: &[Seen], from: Option<u64>) -> Option<f64> {
    let from = from?;
    seen.iter()
        .filter(|s| s.scan && s.at_ms >= from && s.status.is_some_and(|c| (200..300).contains(&c)))
        .map(|s| s.at_ms)
        .min()
        .map(|at| (at - from) as f64 / 1000.0)
}

fn secs(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |s| format!("{s:.2}"))
}

/// `status=count …` of some answers (`net`: network error or timeout).
fn by_status<'a>(seen: impl Iterator<Item = &'a Seen>) -> String {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for s in seen {
        *counts
            .entry(s.status.map_or("net".into(), |c| c.to_string()))
            .or_default() += 1;
    }
    counts
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Answers per phase (a phase starts at each marker), for the log.
fn print_phases(what: &str, seen: &[Seen], marks: &[(u64, String)]) {
    let start = seen.iter().map(|s| s.at_ms).min().unwrap_or_default();
    let mut bounds: Vec<(u64, &str)> = vec![(start.min(marks.first().map_or(start, |m| m.0)), "load")];
    bounds.extend(marks.iter().map(|(at, name)| (*at, name.as_str())));
    for (i, (from, name)) in bounds.iter().enumerate() {
        let to = bounds.get(i + 1).map_or(u64::MAX, |b| b.0);
        let counts = by_status(seen.iter().filter(|s| s.at_ms >= *from && s.at_ms < to));
        if counts.is_empty() {
            continue;
        }
        let span = if to == u64::MAX {
            String::new()
        } else {
            format!(" {:.1} s", (to - from) as f64 / 1000.0)
        };
        println!("drill:   {what}after {name}{span}: {counts}");
    }
}

#[tokio::main]
async fn main() {
    let a = args();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(a.clients + a.batch_clients)
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let (clients, batch_clients) = (a.clients, a.batch_clients);
    let shared = Arc::new(Shared {
        client,
        args: a,
        stop: AtomicBool::new(false),
        hard_stop: AtomicBool::new(false),
        running: AtomicBool::new(false),
    });
    let watcher = tokio::spawn(watch(shared.clone()));
    let stations = (0..clients)
        .map(|id| tokio::spawn(station(shared.clone(), id)))
        .chain((0..batch_clients).map(|no| tokio::spawn(phone(shared.clone(), no))));
    let mut all = Tally::default();
    for t in join_all(stations).await {
        let t = t.expect("station task");
        all.seen.extend(t.seen);
        all.acked.extend(t.acked);
        all.http_500.extend(t.http_500);
        all.http_500_ids.extend(t.http_500_ids);
        all.unexpected.extend(t.unexpected);
        all.unfinished += t.unfinished;
        all.sign_ins += t.sign_ins;
        let (b, tb) = (&mut all.batch, t.batch);
        b.events_seen.extend(tb.events_seen);
        b.batches += tb.batches;
        b.events += tb.events;
        b.requests += tb.requests;
        b.request_failures += tb.request_failures;
        b.resent_events += tb.resent_events;
        b.acked_parents += tb.acked_parents;
        b.acked_children += tb.acked_children;
        b.parent_full += tb.parent_full;
        b.replayed += tb.replayed;
        b.abandoned += tb.abandoned;
    }
    watcher.abort();
    let a = &shared.args;
    let marks = markers(&a.markers);
    let mark = |name: &str| marks.iter().find(|(_, n)| n == name).map(|(at, _)| *at);

    let mut failures: Vec<String> = Vec::new();
    let count = |f: &dyn Fn(&Seen) -> bool| all.seen.iter().filter(|s| f(s)).count();
    let http_500 = count(&|s| s.status == Some(500));
    let http_503 = count(&|s| s.status == Some(503));
    let http_5xx = count(&|s| s.status.is_some_and(|c| c >= 500));
    let network = count(&|s| s.status.is_none());
    let in_redis_phase = |s: &Seen| match (mark("redis_kill"), mark("redis_end")) {
        (Some(from), Some(to)) => s.at_ms >= from && s.at_ms < to,
        _ => false,
    };
    let batch_count = |f: &dyn Fn(&Seen) -> bool| all.batch.events_seen.iter().filter(|s| f(s)).count();
    let batch_event_500 = batch_count(&|s| s.status == Some(500));
    let batch_event_503 = batch_count(&|s| s.status == Some(503));
    let redis_5xx = count(&|s| in_redis_phase(s) && s.status.is_some_and(|c| c >= 500))
        + batch_count(&|s| in_redis_phase(s) && s.status.is_some_and(|c| c >= 500));
    let batch_pg_recovery = first_scan_2xx(&all.batch.events_seen, mark("pg_ready"));
    let batch_server_recovery = first_scan_2xx(&all.batch.events_seen, mark("server_start"));
    let pg_recovery = first_scan_2xx(&all.seen, mark("pg_ready"));
    let server_recovery = first_scan_2xx(&all.seen, mark("server_start"));
    // From the kill to the first scan served by the new process.
    let server_outage = match (mark("server_kill"), mark("server_start"), server_recovery) {
        (Some(kill), Some(start), Some(r)) => Some((start - kill) as f64 / 1000.0 + r),
        _ => None,
    };

    for needed in [
        "pg_stop",
        "pg_ready",
        "redis_kill",
        "redis_end",
        "server_kill",
        "server_start",
        "stop",
    ] {
        if mark(needed).is_none() {
            failures.push(format!("marker {needed} missing: the drill did not run that step"));
        }
    }
    let checking = Instant::now();
    let db = match check_database(&a.database_url, &all.acked) {
        Ok(db) => db,
        Err(e) => {
            failures.push(e);
            DbFigures::default()
        }
    };

    println!(
        "drill: answers {} (network errors {network}, sign-ins {}), unfinished requests {}; database checked in {:.1} s",
        all.seen.len(),
        all.sign_ins,
        all.unfinished,
        checking.elapsed().as_secs_f64()
    );
    println!("drill: answers by status: {}", by_status(all.seen.iter()));
    print_phases("", &all.seen, &marks);
    let b = &all.batch;
    if !b.events_seen.is_empty() {
        println!("drill: batch events by status: {}", by_status(b.events_seen.iter()));
        print_phases("batch events ", &b.events_seen, &marks);
    }
    if all.acked.is_empty() {
        failures.push("no scan was acknowledged".into());
    }
    if db.acked != all.acked.len() as i64 {
        failures.push(format!(
            "psql saw {} acknowledged scans, not {}",
            db.acked,
            all.acked.len()
        ));
    }
    if db.lost > 0 {
        failures.push(format!(
            "{} acknowledged child scans lack their link or their linked event",
            db.lost
        ));
    }
    if db.doubled > 0 {
        failures.push(format!("{} children have more than one linked event", db.doubled));
    }
    if db.links_without_event > 0 || db.events_without_link > 0 {
        failures.push(format!(
            "{} links without a linked event, {} linked events without their link",
            db.links_without_event, db.events_without_link
        ));
    }
    if db.counters_bad > 0 {
        failures.push(format!(
            "{} parents' child_count differs from their links",
            db.counters_bad
        ));
    }
    if db.child_status_bad > 0 {
        failures.push(format!(
            "{} children's status disagrees with their link",
            db.child_status_bad
        ));
    }
    if http_500 > 0 {
        failures.push(format!("{http_500} answers of 500 (a 500 is never acceptable)"));
    }
    if batch_event_500 > 0 {
        failures.push(format!(
            "{batch_event_500} batch events answered 500 (a 500 is never acceptable)"
        ));
    }
    if redis_5xx > 0 {
        failures.push(format!("{redis_5xx} 5xx answers while Redis was down or coming back"));
    }
    match pg_recovery {
        None => failures.push("no scan succeeded after PostgreSQL came back".into()),
        Some(s) if s > PG_RECOVERY_LIMIT_S => failures.push(format!(
            "first successful scan {s:.2} s after PostgreSQL accepted connections (limit {PG_RECOVERY_LIMIT_S} s)"
        )),
        Some(_) => {}
    }
    if server_recovery.is_none() {
        failures.push("no scan succeeded after the server was started again".into());
    }
    if batch_clients > 0 {
        if all.batch.acked_children == 0 {
            failures.push("no batch child scan was acknowledged".into());
        }
        if batch_pg_recovery.is_none() {
            failures.push("no batch event succeeded after PostgreSQL came back".into());
        }
        if batch_server_recovery.is_none() {
            failures.push("no batch event succeeded after the server was started again".into());
        }
    }
    if !all.unexpected.is_empty() {
        failures.push(format!("{} unexpected final answers", all.unexpected.len()));
    }

    const SHOWN: usize = 20;
    for line in all.http_500.iter().take(SHOWN) {
        println!("drill: 500: {line}");
    }
    if all.http_500.len() > SHOWN {
        println!("drill: 500: … and {} more", all.http_500.len() - SHOWN);
    }
    for line in all.unexpected.iter().take(SHOWN) {
        println!("drill: unexpected: {line}");
    }
    let ids = all.http_500_ids.iter().map(|id| format!("{id}\n")).collect::<String>();
    let _ = std::fs::write(a.dir.join("http500-ids.txt"), ids);

    let b = &all.batch;
    // One summary line; `acknowledged` counts the child scans of both kinds of client.
    println!(
        "drill: acknowledged={} lost={} doubled={} counters_ok={}/{} links_in_db={} http_500={http_500} http_503={http_503} \
         http_5xx={http_5xx} redis_phase_5xx={redis_5xx} pg_recovery_s={} server_restart_recovery_s={} server_outage_s={} \
         batch_phones={batch_clients} batches={} batch_events={} batch_requests={} batch_request_failures={} \
         batch_resent_events={} batch_acknowledged={} batch_acknowledged_children={} batch_parent_full={} \
         batch_replayed={} batch_event_503={batch_event_503} batch_event_500={batch_event_500} batch_abandoned={} \
         batch_pg_recovery_s={} batch_server_restart_recovery_s={}",
        all.acked.len(),
        db.lost,
        db.doubled,
        db.parents - db.counters_bad,
        db.parents,
        db.links,
        secs(pg_recovery),
        secs(server_recovery),
        secs(server_outage),
        b.batches,
        b.events,
        b.requests,
        b.request_failures,
        b.resent_events,
        b.acked_parents + b.acked_children,
        b.acked_children,
        b.parent_full,
        b.replayed,
        b.abandoned,
        secs(batch_pg_recovery),
        secs(batch_server_recovery),
    );
    if failures.is_empty() {
        println!("drill: PASS");
    } else {
        for f in &failures {
            println!("drill: FAIL: {f}");
        }
        std::process::exit(1);
    }
}
