//! Concurrency must never break an invariant; counters must equal rows.

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::json;
use tracetrack_api_types::ErrorCode;
use tracetrack_test_utils::{spawn_app, TestApp};

/// Counters (bag.child_count, bill counters, dashboard stats) equal the rows.
pub(crate) async fn assert_counters_match_rows(app: &TestApp, token: &str) {
    let drift = app.count(
        "SELECT count(*) AS n FROM bag p WHERE p.role = 'parent'
           AND p.child_count <> (SELECT count(*) FROM bag_link l WHERE l.parent_id = p.id)",
    );
    assert_eq!(drift, 0, "bag.child_count differs from links");
    let bill_drift = app.count(
        "SELECT count(*) AS n FROM bill b WHERE b.parent_count <> (SELECT count(*) FROM bill_item i WHERE i.bill_id = b.id)
           OR b.child_count <> (SELECT COALESCE(SUM(p.child_count), 0) FROM bill_item i JOIN bag p ON p.id = i.bag_id WHERE i.bill_id = b.id)",
    );
    assert_eq!(bill_drift, 0, "bill counters differ from items");
    let stats = app.get("/api/v1/stats", token).await.body;
    let rows = |sql: &str| app.count(sql);
    assert_eq!(
        stats["parents"],
        rows("SELECT count(*) AS n FROM bag WHERE role = 'parent' AND deleted_at IS NULL")
    );
    assert_eq!(
        stats["children"],
        rows("SELECT count(*) AS n FROM bag WHERE role = 'child' AND deleted_at IS NULL")
    );
    assert_eq!(stats["links"], rows("SELECT count(*) AS n FROM bag_link"));
}

#[actix_web::test]
async fn sixty_scans_into_a_parent_of_thirty_link_exactly_thirty() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    app.scan_parent(&t, "SB00100").await;
    let ids: Vec<String> = (0..60).map(|i| format!("K{i:05}")).collect();
    let replies = join_all(ids.iter().map(|q| app.scan_child(&t, "SB00100", q))).await;
    let linked = replies.iter().filter(|r| r.status == StatusCode::CREATED).count();
    let full = replies
        .iter()
        .filter(|r| r.problem() == Some(ErrorCode::ParentFull))
        .count();
    assert_eq!(
        (linked, full),
        (30, 30),
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM bag_link"), 30);
    let bag = app.get("/api/v1/bags/SB00100", &t).await.body;
    assert_eq!(bag["bag"]["child_count"], 30);
    assert_eq!(bag["bag"]["status"], "filled");
    assert_counters_match_rows(&app, &t).await;
}

#[actix_web::test]
async fn one_child_scanned_into_sixteen_parents_ends_in_one_link() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let parents: Vec<String> = (0..16).map(|i| format!("SB002{i:02}")).collect();
    for p in &parents {
        app.scan_parent(&t, p).await;
    }
    let replies = join_all(parents.iter().map(|p| app.scan_child(&t, p, "L00001"))).await;
    let linked = replies.iter().filter(|r| r.status == StatusCode::CREATED).count();
    let elsewhere = replies
        .iter()
        .filter(|r| r.problem() == Some(ErrorCode::LinkedElsewhere))
        .count();
    assert_eq!((linked, elsewhere), (1, 15));
    assert_eq!(app.count("SELECT count(*) AS n FROM bag_link"), 1);
    assert_eq!(app.count("SELECT count(*) AS n FROM bag WHERE qr_id = 'L00001'"), 1);
    assert_counters_match_rows(&app, &t).await;
}

#[actix_web::test]
async fn the_same_key_sent_twice_at_once_writes_once() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    app.scan_parent(&t, "SB00300").await;
    let send = || {
        app.send(
            reqwest::Method::POST,
            "/api/v1/scans/child",
            Some(&t),
            Some(json!({"parent_qr_id": "SB00300", "qr_id": "M00001"})),
            &[("Idempotency-Key", "dup")],
        )
    };
    let replies = join_all((0..8).map(|_| send())).await;
    assert!(
        replies.iter().all(|r| r.status == StatusCode::CREATED),
        "every copy gets the first answer"
    );
    assert_eq!(
        replies
            .iter()
            .filter(|r| r.header("idempotent-replayed").is_some())
            .count(),
        7
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM scan_event WHERE idempotency_key = 'dup'"),
        1
    );
    assert_counters_match_rows(&app, &t).await;
}

#[actix_web::test]
async fn concurrent_bill_adds_respect_capacity_and_counters() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let bill = app
        .post("/api/v1/bills", &t, json!({"bill_number": "B-RACE", "capacity": 5}))
        .await
        .body;
    let id = bill["id"].as_i64().unwrap();
    let parents: Vec<String> = (0..12).map(|i| format!("SB004{i:02}")).collect();
    for (n, p) in parents.iter().enumerate() {
        app.scan_parent(&t, p).await;
        for c in 0..(n % 3) {
            app.scan_child(&t, p, &format!("N{n:02}{c:03}")).await;
        }
    }
    let path = format!("/api/v1/bills/{id}/parents");
    let replies = join_all(parents.iter().map(|p| app.post(&path, &t, json!({"qr_id": p})))).await;
    assert_eq!(replies.iter().filter(|r| r.status == StatusCode::CREATED).count(), 5);
    assert_eq!(
        replies
            .iter()
            .filter(|r| r.problem() == Some(ErrorCode::BillFull))
            .count(),
        7
    );
    // A second bill racing for the same parents never takes one twice.
    let other = app
        .post("/api/v1/bills", &t, json!({"bill_number": "B-RACE-2", "capacity": 20}))
        .await
        .body;
    let path2 = format!("/api/v1/bills/{}/parents", other["id"]);
    join_all(parents.iter().map(|p| app.post(&path2, &t, json!({"qr_id": p})))).await;
    assert_eq!(app.count("SELECT count(*) AS n FROM bill_item"), 12);
    assert_counters_match_rows(&app, &t).await;
}
