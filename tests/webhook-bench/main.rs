//! Webhook delivery latency (a benchmark, not a test): a receiver on 127.0.0.1 takes
//! the messages of `--messages` parent scans sent at `--rate` per second by a running
//! server (started with WEBHOOK_ALLOW_PRIVATE=true), and the time from each scan's
//! answer (its commit is done by then) to the message's arrival is measured.
//! `scripts/bench-integrations.sh` runs it against a release server.
//!
//! `cargo run --release -p tracetrack-tests --bin webhook-bench -- --base http://127.0.0.1:8080 --messages 1000 --rate 100`

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpResponse, HttpServer};
use serde_json::{json, Value};

type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

async fn receive(body: web::Bytes, arrivals: web::Data<Mutex<HashMap<String, Instant>>>) -> HttpResponse {
    let now = Instant::now();
    if let Ok(message) = serde_json::from_slice::<Value>(&body) {
        if let Some(qr) = message["data"]["qr_id"].as_str() {
            arrivals.lock().unwrap().entry(qr.to_string()).or_insert(now);
        }
    }
    HttpResponse::NoContent().finish()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[actix_web::main]
async fn main() {
    let mut base = "http://127.0.0.1:8080".to_string();
    let mut messages = 1000usize;
    let mut rate = 100.0f64;
    let user = std::env::var("ADMIN_USER").unwrap_or_else(|_| "admin".into());
    let password = std::env::var("ADMIN_PASSWORD").unwrap_or_default();
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--base" => base = value,
            "--messages" => messages = value.parse().expect("--messages N"),
            "--rate" => rate = value.parse().expect("--rate R"),
            other => panic!("unknown flag {other}"),
        }
    }
    let arrivals: Arrivals = Arc::new(Mutex::new(HashMap::new()));
    let data = web::Data::from(arrivals.clone());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(move || App::new().app_data(data.clone()).default_service(web::to(receive)))
        .workers(2)
        .listen(listener)
        .unwrap()
        .run();
    actix_web::rt::spawn(server);

    let client = reqwest::Client::new();
    let login: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": user, "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().expect("admin sign-in").to_string();
    let hook = client
        .post(format!("{base}/api/v1/webhooks"))
        .bearer_auth(&token)
        .json(&json!({"url": format!("http://127.0.0.1:{port}/hook"), "event_types": ["bag.created"]}))
        .send()
        .await
        .unwrap();
    assert!(
        hook.status().is_success(),
        "endpoint: {}",
        hook.text().await.unwrap_or_default()
    );

    let run = std::process::id();
    let answered: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let every = Duration::from_secs_f64(1.0 / rate);
    let start = Instant::now();
    let mut sends = Vec::with_capacity(messages);
    for i in 0..messages {
        let at = start + every * i as u32;
        tokio::time::sleep_until(at.into()).await;
        let (client, base, token, answered) = (client.clone(), base.clone(), token.clone(), answered.clone());
        sends.push(actix_web::rt::spawn(async move {
            // The seed's parent format (SB + 7 digits), above the seeded numbers.
            let qr = format!("SB{}", 8_000_000 + (run as usize % 90) * 10_000 + i);
            let res = client
                .post(format!("{base}/api/v1/scans/parent"))
                .bearer_auth(&token)
                .json(&json!({"qr_id": qr}))
                .send()
                .await;
            if res.is_ok_and(|r| r.status().as_u16() == 201) {
                answered.lock().unwrap().insert(qr, Instant::now());
            }
        }));
    }
    for send in sends {
        let _ = send.await;
    }
    let sent = answered.lock().unwrap().len();
    let deadline = Instant::now() + Duration::from_secs(60);
    while arrivals.lock().unwrap().len() < sent && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let answered = answered.lock().unwrap();
    let arrivals = arrivals.lock().unwrap();
    let mut latencies: Vec<f64> = answered
        .iter()
        .filter_map(|(qr, at)| Some(arrivals.get(qr)?.saturating_duration_since(*at).as_secs_f64() * 1000.0))
        .collect();
    latencies.sort_by(f64::total_cmp);
    assert!(!latencies.is_empty(), "no message arrived");
    println!(
        "webhooks: {} scans at {rate}/s, {} messages arrived; commit → receiver ms: p50 {:.1}  p95 {:.1}  p99 {:.1}  max {:.1}",
        sent,
        latencies.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.95),
        percentile(&latencies, 0.99),
        latencies[latencies.len() - 1],
    );
}
