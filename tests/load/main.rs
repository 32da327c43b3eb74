//! Load generator (a benchmark, not a test) against a running server. Two kinds of run:
//!
//! - scans (default): `--clients` stations each fill their own parents with new
//!   children, as a warehouse floor does (only linked children and errors count as
//!   requests; a `409 parent_full` just moves the station to its next parent), while `--readers` dashboards read
//!   `GET /stats` back to back;
//! - `--get FILE`: `--clients` clients each send GETs of paths picked at random from
//!   FILE (one per line: bag lookups, list pages, searches), back to back.
//!
//! Each run prints a summary and, per measured request kind, one tab-separated
//! `RESULT` line (name, clients, requests, req/s, p50, p95, p99 in ms, errors) that
//! `scripts/bench.sh` collects into its table.
//!
//! `cargo run --release -p tracetrack-tests --bin load -- --base http://127.0.0.1:8080 --clients 32 --readers 2 --seconds 20`

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::{json, Value};

struct Args {
    base: String,
    user: String,
    password: String,
    clients: usize,
    readers: usize,
    seconds: u64,
    get: Option<String>,
    name: String,
}

fn args() -> Args {
    let mut a = Args {
        base: "http://127.0.0.1:8080".into(),
        user: "admin".into(),
        password: std::env::var("ADMIN_PASSWORD").unwrap_or_default(),
        clients: 32,
        readers: 2,
        seconds: 20,
        get: None,
        name: String::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--base" => a.base = value,
            "--user" => a.user = value,
            "--password" => a.password = value,
            "--clients" => a.clients = value.parse().expect("--clients N"),
            "--seconds" => a.seconds = value.parse().expect("--seconds N"),
            "--readers" => a.readers = value.parse().expect("--readers N"),
            "--get" => a.get = Some(value),
            "--name" => a.name = value,
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

/// Latencies (µs) and errors of one kind of request.
#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    errors: u64,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.latencies_us.extend(other.latencies_us);
        self.errors += other.errors;
    }

    /// Prints the summary and the `RESULT` line.
    fn report(mut self, name: &str, clients: usize, elapsed: f64) {
        self.latencies_us.sort_unstable();
        let l = &self.latencies_us;
        let n = l.len();
        let p = |q: f64| percentile(l, q);
        println!(
            "{name}: {n} in {elapsed:.1} s = {:.0} req/s with {clients} clients, {} errors; latency ms: p50 {:.1}  p95 {:.1}  p99 {:.1}  max {:.1}",
            n as f64 / elapsed,
            self.errors,
            p(0.50),
            p(0.95),
            p(0.99),
            p(1.0)
        );
        println!(
            "RESULT\t{name}\t{clients}\t{n}\t{:.0}\t{:.2}\t{:.2}\t{:.2}\t{}",
            n as f64 / elapsed,
            p(0.50),
            p(0.95),
            p(0.99),
            self.errors
        );
    }
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

async fn post(client: &reqwest::Client, url: &str, token: &str, body: Value) -> Result<(u16, Value), reqwest::Error> {
    let res = client.post(url).bearer_auth(token).json(&body).send().await?;
    let status = res.status().as_u16();
    Ok((status, res.json().await.unwrap_or(Value::Null)))
}

/// One station: child scans until `until`; a full parent makes it take the next one.
async fn station(client: reqwest::Client, base: String, token: String, id: usize, run: u32, until: Instant) -> Tally {
    let mut tally = Tally::default();
    let mut parent_no = 0u32;
    let mut child_no = 0u64;
    let parent_url = format!("{base}/api/v1/scans/parent");
    let child_url = format!("{base}/api/v1/scans/child");
    while Instant::now() < until {
        // Parent ids SB00000–SB99999: spread clients and runs over the range.
        let parent = format!(
            "SB{:05}",
            (run as usize * 7919 + id * 1000 + parent_no as usize) % 100_000
        );
        parent_no += 1;
        if post(&client, &parent_url, &token, json!({"qr_id": parent}))
            .await
            .is_err()
        {
            tally.errors += 1;
            continue;
        }
        while Instant::now() < until {
            child_no += 1;
            let child = format!("L{run:05}{id:03}{child_no:07}");
            let started = Instant::now();
            let answer = post(
                &client,
                &child_url,
                &token,
                json!({"parent_qr_id": parent, "qr_id": child}),
            )
            .await;
            match answer {
                Ok((201, _)) => tally.latencies_us.push(started.elapsed().as_micros() as u64),
                // The parent was filled (by an earlier run): not a scan, take the next.
                Ok((409, body)) if body["code"] == "parent_full" || body["code"] == "parent_sealed" => break,
                _ => {
                    tally.latencies_us.push(started.elapsed().as_micros() as u64);
                    tally.errors += 1;
                    break;
                }
            }
        }
    }
    tally
}

/// GETs of `paths` (picked at random, or the one path) back to back until `until`.
async fn reader(
    client: reqwest::Client,
    base: String,
    token: String,
    paths: Vec<String>,
    seed: u64,
    until: Instant,
) -> Tally {
    let mut tally = Tally::default();
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    while Instant::now() < until {
        // xorshift: the same spread of paths on every run.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let url = format!("{base}{}", paths[(x % paths.len() as u64) as usize]);
        let started = Instant::now();
        let ok = match client.get(&url).bearer_auth(&token).send().await {
            Ok(res) => res.status().is_success() && res.bytes().await.is_ok(),
            Err(_) => false,
        };
        tally.latencies_us.push(started.elapsed().as_micros() as u64);
        tally.errors += u64::from(!ok);
    }
    tally
}

async fn login(client: &reqwest::Client, a: &Args) -> String {
    let login = client
        .post(format!("{}/api/v1/auth/login", a.base))
        .json(&json!({"username": a.user, "password": a.password}))
        .send()
        .await
        .expect("server reachable");
    let body: Value = login.json().await.expect("login answer");
    body["access_token"]
        .as_str()
        .expect("login failed: pass --password or ADMIN_PASSWORD")
        .to_string()
}

async fn all(tasks: impl Iterator<Item = impl std::future::Future<Output = Tally> + Send + 'static>) -> Tally {
    let mut total = Tally::default();
    for t in join_all(tasks.map(tokio::spawn)).await.into_iter().flatten() {
        total.add(t);
    }
    total
}

#[tokio::main]
async fn main() {
    let a = args();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(a.clients + a.readers)
        .build()
        .expect("client");
    let token = login(&client, &a).await;
    let started = Instant::now();
    let until = started + Duration::from_secs(a.seconds);
    if let Some(file) = &a.get {
        let text = std::fs::read_to_string(file).expect("--get FILE readable");
        let paths: Vec<String> = text.lines().filter(|l| !l.is_empty()).map(String::from).collect();
        assert!(!paths.is_empty(), "{file} lists no paths");
        let readers = (0..a.clients).map(|i| {
            reader(
                client.clone(),
                a.base.clone(),
                token.clone(),
                paths.clone(),
                i as u64 + 1,
                until,
            )
        });
        let name = if a.name.is_empty() {
            file.as_str()
        } else {
            a.name.as_str()
        };
        all(readers)
            .await
            .report(name, a.clients, started.elapsed().as_secs_f64());
        return;
    }
    let run = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 100_000) as u32;
    let stats = vec!["/api/v1/stats".to_string()];
    let readers: Vec<_> = (0..a.readers)
        .map(|i| {
            reader(
                client.clone(),
                a.base.clone(),
                token.clone(),
                stats.clone(),
                i as u64 + 1,
                until,
            )
        })
        .collect();
    let readers = tokio::spawn(all(readers.into_iter()));
    let stations = (0..a.clients).map(|id| station(client.clone(), a.base.clone(), token.clone(), id, run, until));
    let scans = all(stations).await;
    let elapsed = started.elapsed().as_secs_f64();
    scans.report("child scan", a.clients, elapsed);
    let reads = readers.await.expect("readers");
    if a.readers > 0 {
        reads.report("GET /stats during scans", a.readers, elapsed);
    }
}
