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

mod client;
mod floor;
mod report;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::future::join_all;
use serde_json::{json, Value};

use client::*;
use floor::*;
use report::*;

/// Pause between two attempts of the same request.
pub(crate) const BACKOFF: Duration = Duration::from_millis(200);
/// After `stop`, how long a request may still retry before it is left unfinished.
pub(crate) const STOP_GRACE: Duration = Duration::from_secs(15);
/// The service must answer a scan within this long of PostgreSQL accepting connections.
pub(crate) const PG_RECOVERY_LIMIT_S: f64 = 5.0;
/// The parent format of the seed data (`^SB\d{5}$`, 30 children).
pub(crate) const PARENT_IDS: usize = 100_000;
/// Child ids are 7 digits, as on the printed labels (`^[A-Z0-9]{4,20}$`).
pub(crate) const CHILD_IDS: usize = 10_000_000;
/// The most children a phone collects for one parent (capacity 30: the rest get `parent_full`).
pub(crate) const BATCH_MAX_CHILDREN: usize = 33;

pub(crate) struct Args {
    pub(crate) base: String,
    pub(crate) user: String,
    pub(crate) password: String,
    pub(crate) clients: usize,
    pub(crate) batch_clients: usize,
    pub(crate) markers: PathBuf,
    pub(crate) dir: PathBuf,
    pub(crate) database_url: String,
    pub(crate) max_seconds: u64,
}

pub(crate) fn args() -> Args {
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

pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as u64
}

/// RFC 3339 UTC time of an epoch millisecond (civil-from-days, H. Hinnant).
pub(crate) fn rfc3339(ms: u64) -> String {
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
