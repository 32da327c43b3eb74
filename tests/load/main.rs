//! Load generator (a benchmark, not a test): concurrent scan stations against a
//! running server. Each client fills its own parents with new children, as a
//! warehouse floor does, while `--readers` dashboards read `GET /stats` in a loop;
//! the run prints throughput and latency percentiles of both.
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
}

fn args() -> Args {
    let mut a = Args {
        base: "http://127.0.0.1:8080".into(),
        user: "admin".into(),
        password: std::env::var("ADMIN_PASSWORD").unwrap_or_default(),
        clients: 32,
        readers: 2,
        seconds: 20,
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
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    linked: u64,
    full: u64,
    errors: u64,
}

async fn post(client: &reqwest::Client, url: &str, token: &str, body: Value) -> Result<(u16, Value), reqwest::Error> {
    let res = client.post(url).bearer_auth(token).json(&body).send().await?;
    let status = res.status().as_u16();
    Ok((status, res.json().await.unwrap_or(Value::Null)))
}

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
        loop {
            if Instant::now() >= until {
                break;
            }
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
            tally.latencies_us.push(started.elapsed().as_micros() as u64);
            match answer {
                Ok((201, _)) => tally.linked += 1,
                Ok((409, body)) if body["code"] == "parent_full" || body["code"] == "parent_sealed" => {
                    tally.full += 1;
                    break;
                }
                _ => {
                    tally.errors += 1;
                    break;
                }
            }
        }
    }
    tally
}

/// A dashboard: reads `GET /stats` back to back; returns each latency (µs) and errors.
async fn dashboard(client: reqwest::Client, base: String, token: String, until: Instant) -> (Vec<u64>, u64) {
    let url = format!("{base}/api/v1/stats");
    let (mut latencies, mut errors) = (Vec::new(), 0);
    while Instant::now() < until {
        let started = Instant::now();
        let ok = match client.get(&url).bearer_auth(&token).send().await {
            Ok(res) => res.status().is_success() && res.bytes().await.is_ok(),
            Err(_) => false,
        };
        latencies.push(started.elapsed().as_micros() as u64);
        errors += u64::from(!ok);
    }
    (latencies, errors)
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

#[tokio::main]
async fn main() {
    let a = args();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(a.clients)
        .build()
        .expect("client");
    let login = client
        .post(format!("{}/api/v1/auth/login", a.base))
        .json(&json!({"username": a.user, "password": a.password}))
        .send()
        .await
        .expect("server reachable");
    let body: Value = login.json().await.expect("login answer");
    let token = body["access_token"]
        .as_str()
        .expect("login failed: pass --password or ADMIN_PASSWORD")
        .to_string();
    let run = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 100_000) as u32;
    let started = Instant::now();
    let until = started + Duration::from_secs(a.seconds);
    let stations = (0..a.clients).map(|id| station(client.clone(), a.base.clone(), token.clone(), id, run, until));
    let readers = (0..a.readers).map(|_| dashboard(client.clone(), a.base.clone(), token.clone(), until));
    let readers = tokio::spawn(join_all(readers.map(tokio::spawn)));
    let tallies = join_all(stations.map(tokio::spawn)).await;
    let mut reads: Vec<u64> = Vec::new();
    let mut read_errors = 0;
    for (latencies, errors) in readers.await.expect("readers").into_iter().flatten() {
        reads.extend(latencies);
        read_errors += errors;
    }
    reads.sort_unstable();
    let elapsed = started.elapsed().as_secs_f64();
    let mut all = Tally::default();
    for t in tallies.into_iter().flatten() {
        all.latencies_us.extend(t.latencies_us);
        all.linked += t.linked;
        all.full += t.full;
        all.errors += t.errors;
    }
    all.latencies_us.sort_unstable();
    let n = all.latencies_us.len();
    println!(
        "child scans: {n} in {elapsed:.1} s = {:.0} req/s with {} clients (linked {}, parent_full {}, errors {})",
        n as f64 / elapsed,
        a.clients,
        all.linked,
        all.full,
        all.errors
    );
    println!(
        "latency ms: p50 {:.1}  p95 {:.1}  p99 {:.1}  max {:.1}",
        percentile(&all.latencies_us, 0.50),
        percentile(&all.latencies_us, 0.95),
        percentile(&all.latencies_us, 0.99),
        percentile(&all.latencies_us, 1.0)
    );
    if !reads.is_empty() {
        println!(
            "GET /stats during the scans: {} reads by {} readers, {read_errors} errors; latency ms: p50 {:.1}  p95 {:.1}  p99 {:.1}  max {:.1}",
            reads.len(),
            a.readers,
            percentile(&reads, 0.50),
            percentile(&reads, 0.95),
            percentile(&reads, 0.99),
            percentile(&reads, 1.0)
        );
    }
}
