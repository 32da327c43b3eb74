//! An import does not take the floor down with it: it holds one pool connection,
//! locks only the parents its rows name, and a station scan on one of those waits
//! at most the lock timeout (`503` with `Retry-After`) while the import waits for a
//! lock of its own; the floor's retry goes through once the import has committed.

use std::fmt::Write;
use std::time::Duration;

use reqwest::StatusCode;
use tracetrack_db::diesel::connection::SimpleConnection;
use tracetrack_db::diesel::{Connection, PgConnection};
use tracetrack_test_utils::{spawn_app, spawn_app_with};

use crate::concurrency::assert_counters_match_rows;
use crate::imports::{finished, upload};

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
    let finished = finished(&app, &admin, &job).await;
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

#[actix_web::test]
async fn stations_packing_the_same_children_as_a_running_import_never_break_an_invariant() {
    let app = spawn_app().await;
    let admin = app.admin_token_unlimited().await;
    // The file: 60 new parents of 30 children each.
    let mut csv = String::from("qr_id,role,parent_qr_id\n");
    let mut children = Vec::new();
    for p in 0..60 {
        let _ = writeln!(csv, "SB83{p:03},parent,");
        for c in 0..30 {
            let child = format!("MX83{p:03}{c:02}");
            let _ = writeln!(csv, "{child},child,SB83{p:03}");
            children.push(child);
        }
    }
    // The floor packs every other child of the file into parents of its own, from
    // the end of the file, while the import runs.
    let floor: Vec<String> = children.iter().rev().step_by(2).cloned().collect();
    for p in 0..floor.len().div_ceil(30) {
        app.scan_parent(&admin, &format!("SB84{p:03}")).await;
    }
    // Half the children exist already, unlinked (registered by an earlier file), so
    // the race meets both new bags and links to bags that exist.
    let loose: String = children
        .iter()
        .filter(|c| c[c.len() - 2..] < *"15")
        .map(|c| format!("{c},child,\n"))
        .collect();
    let (status, _) = upload(
        &app,
        &admin,
        "loose.csv",
        format!("qr_id,role,parent_qr_id\n{loose}").into_bytes(),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    for _ in 0..200 {
        if app.count("SELECT count(*) AS n FROM bag WHERE role = 'child'") == children.len() as i64 / 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let (status, job) = upload(&app, &admin, "race.csv", csv.into_bytes(), &[("mode", "best_effort")]).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job:?}");
    let stations = floor.chunks(floor.len().div_ceil(6)).enumerate().map(|(s, part)| {
        let (app, admin) = (&app, &admin);
        async move {
            for (i, child) in part.iter().enumerate() {
                let parent = format!("SB84{:03}", (s * part.len() + i) / 30);
                let r = app.scan_child(admin, &parent, child).await;
                assert!(
                    r.status == StatusCode::CREATED
                        || r.problem() == Some(tracetrack_api_types::ErrorCode::LinkedElsewhere),
                    "{child}: {:?}",
                    r.body
                );
            }
        }
    });
    futures_util::future::join_all(stations).await;
    let finished = finished(&app, &admin, &job).await;
    assert_eq!(finished["status"], "succeeded", "{finished:?}");
    let errors = crate::imports::row_errors(&finished);
    assert!(
        errors
            .iter()
            .all(|e| e.1 == tracetrack_api_types::ErrorCode::LinkedElsewhere),
        "{errors:?}"
    );
    // Every child is in exactly one parent: the import's or the floor's.
    assert_eq!(app.count("SELECT count(*) AS n FROM bag_link"), children.len() as i64);
    let in_file_parents =
        app.count("SELECT count(*) AS n FROM bag_link l JOIN bag p ON p.id = l.parent_id WHERE p.qr_id LIKE 'SB83%'");
    assert_eq!(
        in_file_parents + errors.len() as i64,
        children.len() as i64,
        "each child row of the file is linked or refused"
    );
    assert_eq!(
        finished["applied_rows"].as_i64(),
        Some(60 + in_file_parents),
        "parents and the children the file linked"
    );
    assert_counters_match_rows(&app, &admin).await;
}
