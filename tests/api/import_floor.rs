//! An all-or-nothing import does not block the floor: it holds one pool
//! connection, and a scan on a parent it is working on gives up after the lock
//! timeout with `503` and `Retry-After` instead of waiting for the whole import.

use std::fmt::Write;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use tracetrack_test_utils::{spawn_app_with, Reply};

use crate::concurrency::assert_counters_match_rows;
use crate::imports::upload;

/// A bags file: one child into `SB81000` first (so the import locks that parent
/// at once and keeps it locked until it commits), then `parents` full parents.
fn long_file(parents: usize) -> String {
    let mut csv = String::from("qr_id,role,parent_qr_id\nMX8100000,child,SB81000\n");
    for p in 1..=parents {
        let _ = writeln!(csv, "SB81{p:03},parent,");
        for c in 0..30 {
            let _ = writeln!(csv, "MX81{p:03}{c:02},child,SB81{p:03}");
        }
    }
    csv
}

#[actix_web::test]
async fn a_long_import_leaves_the_floor_a_connection_and_its_locked_parent_answers_503() {
    let app = spawn_app_with(|c| {
        c.pool_size = 2;
        c.pool_timeout = Duration::from_millis(1500);
        c.db_lock_timeout = Duration::from_millis(500);
    })
    .await;
    let admin = app.admin_token().await;
    for parent in ["SB81000", "SB81999"] {
        assert_eq!(app.scan_parent(&admin, parent).await.status, StatusCode::CREATED);
    }
    let (status, job) = upload(&app, &admin, "long.csv", long_file(100).into_bytes(), &[]).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job:?}");
    let job_url = format!("/api/v1/imports/{}", job["id"]);
    let running = |r: &Reply| r.body["finished_at"].is_null() && r.body["processed_rows"].as_i64() > Some(0);
    let mut seen_running = false;
    for _ in 0..400 {
        if running(&app.get(&job_url, &admin).await) {
            seen_running = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(seen_running, "the import never showed progress");

    // The parent the import holds: the scan gives up with 503, to be retried.
    let held = app.keyed_child_scan(&admin, "SB81000", "MX8199901", "floor-1").await;
    assert_eq!(held.status, StatusCode::SERVICE_UNAVAILABLE, "{:?}", held.body);
    assert!(held.header("Retry-After").is_some());
    // Another parent: the import holds one of the two pool connections, the floor gets the other.
    let mut floor_served = false;
    for attempt in 0..3 {
        let r = app
            .keyed_child_scan(
                &admin,
                "SB81999",
                &format!("MX819990{attempt}"),
                &format!("floor-2-{attempt}"),
            )
            .await;
        if r.status == StatusCode::CREATED {
            floor_served = true;
            break;
        }
    }
    let still_running = running(&app.get(&job_url, &admin).await);
    assert!(floor_served, "no scan was served while the import ran");
    assert!(
        still_running,
        "the import ended before the floor was tried: make the file longer"
    );

    let mut finished = json!(null);
    for _ in 0..1200 {
        let r = app.get(&job_url, &admin).await;
        if !r.body["finished_at"].is_null() {
            finished = r.body;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(finished["status"], "succeeded", "{finished:?}");
    // The station's retry with the same key now goes through.
    let retried = app.keyed_child_scan(&admin, "SB81000", "MX8199901", "floor-1").await;
    assert_eq!(retried.status, StatusCode::CREATED, "{:?}", retried.body);
    assert_eq!(
        app.count("SELECT child_count::bigint AS n FROM bag WHERE qr_id = 'SB81000'"),
        2
    );
    assert_counters_match_rows(&app, &admin).await;
}
