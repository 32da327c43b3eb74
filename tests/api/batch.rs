//! `POST /scans/batch` as the offline queue meets it: answers lost after commit,
//! refused events, a busy database, and each event answered on its own.

use std::time::Duration;
use tracetrack_api_types::ErrorCode;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tracetrack_test_utils::{code_of, spawn_app, spawn_app_with, TestApp};

async fn batch(app: &TestApp, token: &str, events: Value, station: Option<&str>) -> Vec<Value> {
    let headers: Vec<(&str, &str)> = station.map(|s| ("X-Station-Id", s)).into_iter().collect();
    let r = app
        .send(
            Method::POST,
            "/api/v1/scans/batch",
            Some(token),
            Some(json!({ "events": events })),
            &headers,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["results"].as_array().unwrap().clone()
}

fn statuses(results: &[Value]) -> Vec<i64> {
    results.iter().map(|r| r["status"].as_i64().unwrap()).collect()
}

#[actix_web::test]
async fn a_scan_committed_but_never_answered_is_answered_again_not_refused() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    app.scan_parent(&t, "SB00100").await;
    // The station sent this, the server committed it, and the answer was lost.
    let body = json!({"parent_qr_id": "SB00100", "qr_id": "K00001", "occurred_at": "2026-12-03T08:00:00Z"});
    let first = app
        .send(
            Method::POST,
            "/api/v1/scans/child",
            Some(&t),
            Some(body),
            &[("Idempotency-Key", "lost-1"), ("X-Station-Id", "dock-3")],
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    // The replay is the same scan, even from a client that stamped a new time.
    let replay = batch(
        &app,
        &t,
        json!([{"kind": "child", "parent_qr_id": "SB00100", "qr_id": "K00001",
                "idempotency_key": "lost-1", "occurred_at": "2026-12-03T08:00:09Z", "station_id": "dock-3"}]),
        None,
    )
    .await;
    assert_eq!(statuses(&replay), [201]);
    assert_eq!(replay[0]["replayed"], true);
    assert_eq!(replay[0]["body"], first.body, "the first answer");
    let single_again = app.keyed_child_scan(&t, "SB00100", "K00001", "lost-1").await;
    assert_eq!(single_again.status, StatusCode::CREATED);
    assert_eq!(single_again.header("Idempotent-Replayed"), Some("true"));
    assert_eq!(
        app.count("SELECT count(*) AS n FROM scan_event WHERE qr_id = 'K00001' AND outcome = 'linked'"),
        1
    );
    assert_eq!(
        app.count("SELECT child_count::bigint AS n FROM bag WHERE qr_id = 'SB00100'"),
        1
    );
}

#[actix_web::test]
async fn every_event_gets_its_own_answer_and_later_events_still_apply() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    app.scan_parent(&t, "SB00200").await;
    app.post(
        "/api/v1/scans/child",
        &t,
        json!({"parent_qr_id": "SB00200", "qr_id": "K00010"}),
    )
    .await;
    app.exec("UPDATE bag SET capacity = 1 WHERE qr_id = 'SB00200'");
    app.send(
        Method::POST,
        "/api/v1/scans/parent",
        Some(&t),
        Some(json!({"qr_id": "SB00201"})),
        &[("Idempotency-Key", "used-for-a-parent")],
    )
    .await;
    let results = batch(
        &app,
        &t,
        json!([
            {"kind": "parent", "qr_id": "SB00202", "idempotency_key": "b-1", "station_id": "gate-1"},
            {"kind": "child", "qr_id": "K00011", "idempotency_key": "b-2"},
            42,
            {"kind": "child", "parent_qr_id": "SB00202", "qr_id": "K00012", "idempotency_key": "used-for-a-parent"},
            {"kind": "child", "parent_qr_id": "SB00200", "qr_id": "K00013", "idempotency_key": "b-4"},
            {"kind": "child", "parent_qr_id": "SB00202", "qr_id": "K00010", "idempotency_key": "b-5"},
            {"kind": "seal", "qr_id": "SB00202", "idempotency_key": "b-6"},
            {"kind": "child", "parent_qr_id": "SB00202", "qr_id": "K00014", "idempotency_key": "b-7"},
            {"kind": "child", "parent_qr_id": "SB00202", "qr_id": "K00015", "idempotency_key": ""}
        ]),
        Some("dock-9"),
    )
    .await;
    assert_eq!(statuses(&results), [201, 422, 422, 422, 409, 409, 422, 201, 422]);
    let code = |i: usize| code_of(&results[i]["body"]);
    assert_eq!(results[1]["body"]["errors"][0]["pointer"], "/parent_qr_id");
    assert_eq!(code(2), ErrorCode::ValidationFailed);
    assert_eq!(code(3), ErrorCode::IdempotencyKeyReused);
    assert_eq!(code(4), ErrorCode::ParentFull);
    assert_eq!(code(5), ErrorCode::LinkedElsewhere);
    assert_eq!(results[6]["body"]["errors"][0]["pointer"], "/kind");
    assert_eq!(results[8]["body"]["errors"][0]["pointer"], "/idempotency_key");
    assert_eq!(
        results[7]["body"]["parent"]["child_count"], 1,
        "applied after the refusals"
    );
    // Each event is recorded under its own station, else the request's.
    assert_eq!(
        app.count("SELECT count(*) AS n FROM scan_event WHERE qr_id = 'SB00202' AND station_id = 'gate-1'"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM scan_event WHERE qr_id = 'K00014' AND station_id = 'dock-9'"),
        1
    );
    // Refusals are answers too: a repeat gets them again and writes nothing.
    let events_before = app.count("SELECT count(*) AS n FROM scan_event");
    let again = batch(
        &app,
        &t,
        json!([{"kind": "child", "parent_qr_id": "SB00200", "qr_id": "K00013", "idempotency_key": "b-4"}]),
        None,
    )
    .await;
    assert_eq!(again[0]["body"], results[4]["body"]);
    assert_eq!(app.count("SELECT count(*) AS n FROM scan_event"), events_before);
    // Only the envelope can fail the request.
    for bad in [json!({"events": "no"}), json!([1, 2])] {
        let r = app.post("/api/v1/scans/batch", &t, bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    }
}

/// Holds a parent's row lock in a transaction of its own, as a long import does.
fn lock_parent(app: &TestApp, qr: &str) -> PgConnection {
    let mut conn = PgConnection::establish(&app.config.database_url).unwrap();
    conn.batch_execute(&format!("BEGIN; SELECT id FROM bag WHERE qr_id = '{qr}' FOR UPDATE;"))
        .unwrap();
    conn
}

#[actix_web::test]
async fn a_parent_locked_by_a_long_transaction_answers_503_and_the_rest_go_on() {
    let app = spawn_app_with(|c| c.db_lock_timeout = Duration::from_millis(300)).await;
    let t = app.admin_token().await;
    app.scan_parent(&t, "SB00300").await;
    app.scan_parent(&t, "SB00301").await;
    let mut import = lock_parent(&app, "SB00300");
    let single = app.keyed_child_scan(&t, "SB00300", "K00030", "busy-0").await;
    assert_eq!(single.status, StatusCode::SERVICE_UNAVAILABLE, "{:?}", single.body);
    assert_eq!(single.code(), ErrorCode::Unavailable);
    assert!(single.header("Retry-After").is_some());
    let events = json!([
        {"kind": "child", "parent_qr_id": "SB00300", "qr_id": "K00031", "idempotency_key": "busy-1"},
        {"kind": "child", "parent_qr_id": "SB00301", "qr_id": "K00032", "idempotency_key": "busy-2"},
        {"kind": "unlink", "qr_id": "K00031", "idempotency_key": "busy-3"}
    ]);
    let first = batch(&app, &t, events.clone(), None).await;
    // The unlink depends on the scan that could not be applied: it is held back
    // (503, not stored) instead of being refused `not_linked` for good.
    assert_eq!(statuses(&first), [503, 201, 503]);
    assert_eq!(code_of(&first[0]["body"]), ErrorCode::Unavailable);
    assert_eq!(code_of(&first[2]["body"]), ErrorCode::Unavailable);
    import.batch_execute("ROLLBACK").unwrap();
    // A 503 is not remembered: the same keys now apply (and the other replays).
    let second = batch(&app, &t, events, None).await;
    assert_eq!(statuses(&second), [201, 201, 200]);
    assert_eq!(second[1]["replayed"], true);
    assert_eq!(second[2]["replayed"], false);
    let retried = app.keyed_child_scan(&t, "SB00300", "K00030", "busy-0").await;
    assert_eq!(retried.status, StatusCode::CREATED);
    assert_eq!(
        app.count("SELECT child_count::bigint AS n FROM bag WHERE qr_id = 'SB00300'"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM bag_link l JOIN bag p ON p.id = l.parent_id WHERE p.qr_id = 'SB00300'"),
        1
    );
}
