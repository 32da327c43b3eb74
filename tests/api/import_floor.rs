//! An import does not take the floor down with it: it holds one pool connection,
//! locks only the parents its rows name, and a station scan on one of those waits
//! at most the lock timeout (`503` with `Retry-After`) while the import waits for a
//! lock of its own; the floor's retry goes through once the import has committed.

use std::fmt::Write;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use tracetrack_db::diesel::connection::SimpleConnection;
use tracetrack_db::diesel::{Connection, PgConnection};
use tracetrack_test_utils::spawn_app_with;

use crate::concurrency::assert_counters_match_rows;
use crate::imports::upload;

/// A bags file: a child into `SB81000` and one into `SB81500` (parents that exist),
/// then `parents` new full parents.
fn file(parents: usize) -> String {
    let mut csv = String::from("qr_id,role,parent_qr_id\nMX8100000,child,SB81000\nMX8150000,child,SB81500\n");
    for p in 1..=parents {
        let _ = writeln!(csv, "SB82{p:03},parent,");
        for c in 0..30 {
            let _ = writeln!(csv, "MX82{p:03}{c:02},child,SB82{p:03}");
        }
    }
    csv
}

/// Sessions of the app's database waiting for a row lock.
fn waiting_for_locks(app: &tracetrack_test_utils::TestApp) -> i64 {
    app.count(
        "SELECT count(*) AS n FROM pg_stat_activity \
         WHERE datname = current_database() AND wait_event_type = 'Lock'",
    )
}

#[actix_web::test]
async fn an_import_waiting_for_a_parent_leaves_the_floor_a_connection_and_its_locked_parents_answer_503() {
    let app = spawn_app_with(|c| {
        c.pool_size = 2;
        c.pool_timeout = Duration::from_millis(1500);
        c.db_lock_timeout = Duration::from_millis(500);
    })
    .await;
    let admin = app.admin_token().await;
    // Created in this order, so the import locks SB81000 before it asks for SB81500.
    for parent in ["SB81000", "SB81500", "SB81999"] {
        assert_eq!(app.scan_parent(&admin, parent).await.status, StatusCode::CREATED);
    }
    // Someone else holds SB81500 (a slow transaction elsewhere).
    let mut other = PgConnection::establish(&app.config.database_url).expect("connect");
    other
        .batch_execute("BEGIN; SELECT id FROM bag WHERE qr_id = 'SB81500' FOR UPDATE")
        .expect("lock");

    let (status, job) = upload(&app, &admin, "floor.csv", file(50).into_bytes(), &[]).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job:?}");
    let mut blocked = false;
    for _ in 0..200 {
        if waiting_for_locks(&app) > 0 {
            blocked = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(blocked, "the import never waited for SB81500");

    // SB81000 is the import's now: the station gives up after the lock timeout.
    let held = app.keyed_child_scan(&admin, "SB81000", "MX8199901", "floor-1").await;
    assert_eq!(held.status, StatusCode::SERVICE_UNAVAILABLE, "{:?}", held.body);
    assert!(held.header("Retry-After").is_some());
    // A parent the file does not name is served on the other pool connection.
    let free = app.keyed_child_scan(&admin, "SB81999", "MX8199902", "floor-2").await;
    assert_eq!(free.status, StatusCode::CREATED, "{:?}", free.body);

    other.batch_execute("ROLLBACK").expect("release");
    let mut finished = json!(null);
    for _ in 0..600 {
        let r = app.get(&format!("/api/v1/imports/{}", job["id"]), &admin).await;
        if !r.body["finished_at"].is_null() {
            finished = r.body;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(finished["status"], "succeeded", "{finished:?}");
    assert_eq!(finished["applied_rows"], 2 + 50 * 31);
    // The station's retry with the same key now goes through.
    let retried = app.keyed_child_scan(&admin, "SB81000", "MX8199901", "floor-1").await;
    assert_eq!(retried.status, StatusCode::CREATED, "{:?}", retried.body);
    assert_eq!(
        app.count("SELECT child_count::bigint AS n FROM bag WHERE qr_id = 'SB81000'"),
        2
    );
    assert_counters_match_rows(&app, &admin).await;
}
