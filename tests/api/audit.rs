use reqwest::{Method, StatusCode};
use serde_json::json;
use tracetrack_api_types::ErrorCode;
use tracetrack_test_utils::{spawn_app, spawn_app_with};

#[actix_web::test]
async fn changes_write_audit_rows_with_request_id_and_anonymised_ip() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let r = app
        .send(Method::POST, "/api/v1/users", Some(&t), Some(json!({"username": "sita", "email": "sita@example.com", "password": "worker-password-123", "role": "biller"})), &[("X-Request-Id", "audit-req-1")])
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let log = app
        .get("/api/v1/audit-log?entity_type=user&action=user.create", &t)
        .await
        .body;
    let row = &log["items"][0];
    assert_eq!(row["request_id"], "audit-req-1");
    assert_eq!(row["ip"], "127.0.0.0");
    assert_eq!(row["after"]["email"], "s***@example.com");
    assert!(row["after"].get("password_hash").is_none());
    assert_eq!(row["entity_id"], r.body["id"].to_string());
    // Newest first, and a login is audited too.
    let first = app.get("/api/v1/audit-log?limit=1", &t).await.body;
    assert_eq!(first["items"][0]["action"], "user.create");
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .get(&format!("/api/v1/audit-log?limit=1&cursor={cursor}"), &t)
        .await
        .body;
    assert_eq!(second["items"][0]["action"], "auth.login");
    assert!(second["next_cursor"].is_null());
}

#[actix_web::test]
async fn anonymisation_can_be_turned_off() {
    let app = spawn_app_with(|c| c.anonymize_audit_logs = false).await;
    let t = app.admin_token().await;
    app.post("/api/v1/bills", &t, json!({"bill_number": "A-1", "capacity": 1}))
        .await;
    let log = app.get("/api/v1/audit-log?entity_type=bill", &t).await.body;
    assert_eq!(log["items"][0]["ip"], "127.0.0.1");
    assert_eq!(log["items"][0]["action"], "bill.create");
}

#[actix_web::test]
async fn scans_are_in_the_event_log_not_the_audit_log() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let before = app.count("SELECT count(*) AS n FROM audit_log");
    app.scan_parent(&t, "SB00001").await;
    app.scan_child(&t, "SB00001", "A00001").await;
    assert_eq!(app.count("SELECT count(*) AS n FROM audit_log"), before);
    assert_eq!(
        app.get(
            "/api/v1/audit-log",
            &app.user(&t, "disp", "dispatcher", Some("indore")).await.1
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

#[actix_web::test]
async fn a_failed_change_writes_no_audit_row() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    app.post("/api/v1/bills", &t, json!({"bill_number": "A-2", "capacity": 1}))
        .await;
    let before = app.count("SELECT count(*) AS n FROM audit_log");
    let dup = app
        .post("/api/v1/bills", &t, json!({"bill_number": "a-2", "capacity": 1}))
        .await;
    assert_eq!(dup.code(), ErrorCode::Duplicate);
    assert_eq!(app.count("SELECT count(*) AS n FROM audit_log"), before);
}

#[actix_web::test]
async fn retention_clears_old_snapshots_and_deletes_old_rows_but_keeps_role_changes_and_deletions() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let (id, _) = app.user(&t, "aged", "biller", None).await;
    app.call(
        Method::PATCH,
        &format!("/api/v1/users/{id}"),
        Some(&t),
        Some(json!({"role": "dispatcher"})),
    )
    .await;
    app.post("/api/v1/bills", &t, json!({"bill_number": "OLD-1", "capacity": 1}))
        .await;
    app.exec(
        "UPDATE audit_log SET occurred_at = now() - interval '40 days' WHERE action IN ('bill.create', 'user.create')",
    );
    app.exec(
        "UPDATE audit_log SET occurred_at = now() - interval '100 days' WHERE action IN ('auth.login', 'user.update')",
    );
    // A role change made by approving a promotion request is a role change too.
    app.exec(
        "INSERT INTO audit_log (occurred_at, action, entity_type, entity_id, before, after)
         VALUES (now() - interval '100 days', 'promotion.approve', 'promotion_request', '7',
                 '{\"status\": \"pending\"}', '{\"status\": \"approved\"}')",
    );
    let mut conn = app.pool.get().unwrap();
    let (cleared, deleted) = tracetrack_db::audit::apply_retention(&mut conn, 30, 90).unwrap();
    assert_eq!(
        (cleared, deleted),
        (4, 2),
        "four old snapshots cleared (two of them logins, then deleted)"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_log WHERE action = 'bill.create' AND after IS NULL"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_log WHERE action = 'user.update' AND after IS NOT NULL"),
        1,
        "role change kept whole"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_log WHERE action = 'promotion.approve' AND after IS NOT NULL"),
        1,
        "approved promotion kept whole"
    );
}
