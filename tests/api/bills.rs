use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tracetrack_api_types::ErrorCode;
use tracetrack_test_utils::{spawn_app, TestApp};

async fn bill(app: &TestApp, t: &str, number: &str, capacity: i64) -> i64 {
    let r = app
        .post(
            "/api/v1/bills",
            t,
            json!({"bill_number": number, "capacity": capacity, "destination": "Jaipur"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    r.body["id"].as_i64().unwrap()
}

async fn parent_with(app: &TestApp, t: &str, qr: &str, children: usize) {
    app.scan_parent(t, qr).await;
    for i in 0..children {
        let digits: String = qr.chars().filter(char::is_ascii_digit).collect();
        let r = app.scan_child(t, qr, &format!("C{digits}{i:03}")).await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
}

#[actix_web::test]
async fn weights_and_counters_follow_the_parents() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let id = bill(&app, &t, "BILL-001", 3).await;
    parent_with(&app, &t, "SB10001", 20).await;
    parent_with(&app, &t, "M444-10001", 15).await;
    let path = format!("/api/v1/bills/{id}/parents");
    let added = app.post(&path, &t, json!({"qr_id": "sb10001"})).await;
    assert_eq!(added.status, StatusCode::CREATED);
    assert_eq!(added.body["status"], "processing");
    let b = app.post(&path, &t, json!({"qr_id": "M444-10001"})).await.body;
    assert_eq!(
        (b["parent_count"].as_i64(), b["child_count"].as_i64()),
        (Some(2), Some(35))
    );
    assert_eq!(b["actual_weight_kg"], 35.0);
    assert_eq!(b["expected_weight_kg"], 45.0);
    assert_eq!(b["variance_kg"], -10.0);
    assert_eq!(b["remaining"], 1);
    let same = app.post(&path, &t, json!({"qr_id": "SB10001"})).await;
    assert_eq!(same.status, StatusCode::OK);
    assert_eq!(same.body["parent_count"], 2);
    let patched = app
        .call(
            Method::PATCH,
            &format!("/api/v1/bills/{id}"),
            Some(&t),
            Some(json!({"measured_weight_kg": 35.4})),
        )
        .await;
    assert_eq!(patched.body["measured_variance_kg"], 0.4);
    let detail = app.get(&format!("/api/v1/bills/{id}"), &t).await.body;
    assert_eq!(detail["bill_number"], "BILL-001");
    let parents: Vec<&Value> = detail["parents"].as_array().unwrap().iter().collect();
    assert_eq!(parents[0]["qr_id"], "SB10001");
    assert_eq!(parents[0]["expected_weight_kg"], 30.0);
    assert_eq!(parents[1]["status"], "billed");
    // Billed parents take no children and cannot be unsealed or deleted.
    let r = app.scan_child(&t, "SB10001", "Z00001").await;
    assert_eq!(r.code(), ErrorCode::ParentBilled);
    assert_eq!(r.body["bill_number"], "BILL-001");
    assert_eq!(
        app.call(Method::DELETE, "/api/v1/bags/SB10001", Some(&t), None)
            .await
            .code(),
        ErrorCode::InUse
    );
}

#[actix_web::test]
async fn bill_lifecycle_full_complete_reopen_remove() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let id = bill(&app, &t, "BILL-002", 2).await;
    let other = bill(&app, &t, "BILL-003", 2).await;
    parent_with(&app, &t, "SB20001", 30).await;
    parent_with(&app, &t, "SB20002", 1).await;
    parent_with(&app, &t, "SB20003", 0).await;
    app.post(&format!("/api/v1/bills/{id}/parents"), &t, json!({"qr_id": "SB20001"}))
        .await;
    let incomplete = app.post(&format!("/api/v1/bills/{id}/complete"), &t, json!({})).await;
    assert_eq!(incomplete.code(), ErrorCode::BillIncomplete);
    app.post(&format!("/api/v1/bills/{id}/parents"), &t, json!({"qr_id": "SB20002"}))
        .await;
    let full = app
        .post(&format!("/api/v1/bills/{id}/parents"), &t, json!({"qr_id": "SB20003"}))
        .await;
    assert_eq!(full.code(), ErrorCode::BillFull);
    let taken = app
        .post(
            &format!("/api/v1/bills/{other}/parents"),
            &t,
            json!({"qr_id": "SB20001"}),
        )
        .await;
    assert_eq!(taken.code(), ErrorCode::AlreadyOnBill);
    assert_eq!(taken.body["bill_number"], "BILL-002");
    assert_eq!(
        app.post(&format!("/api/v1/bills/{other}/parents"), &t, json!({"qr_id": "ab"}))
            .await
            .code(),
        ErrorCode::InvalidQrId
    );
    assert_eq!(
        app.post(
            &format!("/api/v1/bills/{other}/parents"),
            &t,
            json!({"qr_id": "SB29999"})
        )
        .await
        .code(),
        ErrorCode::BagNotFound
    );
    app.scan_parent(&t, "SB20004").await;
    app.scan_child(&t, "SB20004", "CHLD0001").await;
    assert_eq!(
        app.post(
            &format!("/api/v1/bills/{other}/parents"),
            &t,
            json!({"qr_id": "CHLD0001"})
        )
        .await
        .code(),
        ErrorCode::WrongRole
    );
    let done = app.post(&format!("/api/v1/bills/{id}/complete"), &t, json!({})).await;
    assert_eq!(done.body["status"], "completed");
    assert!(done.body["completed_at"].is_string());
    let locked = app
        .post(&format!("/api/v1/bills/{id}/parents"), &t, json!({"qr_id": "SB20003"}))
        .await;
    assert_eq!(
        locked.code(),
        ErrorCode::BillCompleted,
        "bill_completed is checked first"
    );
    let remove = app
        .call(
            Method::DELETE,
            &format!("/api/v1/bills/{id}/parents/SB20002"),
            Some(&t),
            None,
        )
        .await;
    assert_eq!(remove.code(), ErrorCode::BillCompleted);
    let edit = app
        .call(
            Method::PATCH,
            &format!("/api/v1/bills/{id}"),
            Some(&t),
            Some(json!({"capacity": 3})),
        )
        .await;
    assert_eq!(edit.code(), ErrorCode::BillCompleted);
    let no_reason = app
        .post(&format!("/api/v1/bills/{id}/reopen"), &t, json!({"reason": "  "}))
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reopened = app
        .post(
            &format!("/api/v1/bills/{id}/reopen"),
            &t,
            json!({"reason": "truck changed"}),
        )
        .await;
    assert_eq!(reopened.body["status"], "processing");
    let removed = app
        .call(
            Method::DELETE,
            &format!("/api/v1/bills/{id}/parents/sb20001"),
            Some(&t),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK);
    assert_eq!(removed.body["child_count"], 1);
    let parent = app.get("/api/v1/bags/SB20001", &t).await.body;
    assert_eq!(
        parent["bag"]["status"], "filled",
        "off the bill, the status its count says"
    );
    let last = app
        .call(
            Method::DELETE,
            &format!("/api/v1/bills/{id}/parents/SB20002"),
            Some(&t),
            None,
        )
        .await;
    assert_eq!(last.body["status"], "new");
    assert_eq!(last.body["actual_weight_kg"], 0.0);
    let gone = app
        .call(
            Method::DELETE,
            &format!("/api/v1/bills/{id}/parents/SB20002"),
            Some(&t),
            None,
        )
        .await;
    assert_eq!(gone.code(), ErrorCode::NotOnBill);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM scan_event WHERE kind IN ('bill_add', 'bill_remove')"),
        12
    );
}

#[actix_web::test]
async fn capacity_can_shrink_to_close_a_short_bill_but_not_below_its_parents() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let id = bill(&app, &t, "BILL-004", 5).await;
    parent_with(&app, &t, "SB30001", 2).await;
    parent_with(&app, &t, "SB30002", 0).await;
    for p in ["SB30001", "SB30002"] {
        app.post(&format!("/api/v1/bills/{id}/parents"), &t, json!({"qr_id": p}))
            .await;
    }
    let path = format!("/api/v1/bills/{id}");
    let below = app
        .call(Method::PATCH, &path, Some(&t), Some(json!({"capacity": 1})))
        .await;
    assert_eq!(below.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(below.body["errors"][0]["pointer"], "/capacity");
    let out = app
        .call(Method::PATCH, &path, Some(&t), Some(json!({"capacity": 501})))
        .await;
    assert_eq!(out.code(), ErrorCode::ValidationFailed);
    let ok = app
        .call(
            Method::PATCH,
            &path,
            Some(&t),
            Some(json!({"capacity": 2, "vehicle_number": "RJ14 GA 1234"})),
        )
        .await;
    assert_eq!(ok.body["capacity"], 2);
    assert_eq!(ok.body["vehicle_number"], "RJ14 GA 1234");
    assert_eq!(
        app.post(&format!("{path}/complete"), &t, json!({})).await.body["status"],
        "completed"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_log WHERE entity_type = 'bill' AND action = 'bill.update'"),
        1
    );
}

#[actix_web::test]
async fn bill_numbers_are_unique_case_insensitively_and_validated() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    bill(&app, &t, "Bill-A1", 1).await;
    let dup = app
        .post("/api/v1/bills", &t, json!({"bill_number": "BILL-a1", "capacity": 1}))
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(dup.code(), ErrorCode::Duplicate);
    for (body, pointer) in [
        (json!({"bill_number": "", "capacity": 1}), "/bill_number"),
        (json!({"bill_number": "X", "capacity": 0}), "/capacity"),
        (json!({"bill_number": "X", "capacity": 501}), "/capacity"),
    ] {
        let r = app.post("/api/v1/bills", &t, body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.body["errors"][0]["pointer"], pointer);
    }
    assert_eq!(
        app.get("/api/v1/bills/999999", &t).await.code(),
        ErrorCode::BillNotFound
    );
}

#[actix_web::test]
async fn deleting_a_bill_frees_its_parents() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let id = bill(&app, &t, "BILL-DEL", 2).await;
    parent_with(&app, &t, "SB40001", 1).await;
    app.post("/api/v1/bags/SB40001/seal", &t, json!({"reason": "short lot"}))
        .await;
    app.post(&format!("/api/v1/bills/{id}/parents"), &t, json!({"qr_id": "SB40001"}))
        .await;
    let r = app
        .call(Method::DELETE, &format!("/api/v1/bills/{id}"), Some(&t), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let bag = app.get("/api/v1/bags/SB40001", &t).await.body;
    assert_eq!(bag["bag"]["status"], "sealed");
    assert!(bag["bill"].is_null());
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_log WHERE action = 'bill.delete'"),
        1
    );
}

#[actix_web::test]
async fn dispatchers_read_bills_but_cannot_change_them() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, d) = app.user(&admin, "disp", "dispatcher", Some("hisar")).await;
    let (_, b) = app.user(&admin, "bill-er", "biller", None).await;
    let id = bill(&app, &b, "BILL-R", 1).await;
    assert_eq!(app.get(&format!("/api/v1/bills/{id}"), &d).await.status, StatusCode::OK);
    assert_eq!(app.get("/api/v1/bills", &d).await.status, StatusCode::OK);
    assert_eq!(
        app.post("/api/v1/bills", &d, json!({"bill_number": "X1", "capacity": 1}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(&format!("/api/v1/bills/{id}/complete"), &d, json!({}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call(Method::DELETE, &format!("/api/v1/bills/{id}"), Some(&b), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[actix_web::test]
async fn creating_a_bill_with_a_key_is_safe_to_retry() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let body = json!({"bill_number": "INT-7", "capacity": 4});
    let key = [("Idempotency-Key", "erp-42")];
    let first = app
        .send(Method::POST, "/api/v1/bills", Some(&t), Some(body.clone()), &key)
        .await;
    let again = app
        .send(Method::POST, "/api/v1/bills", Some(&t), Some(body), &key)
        .await;
    assert_eq!((first.status, again.status), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(first.body["id"], again.body["id"]);
    assert_eq!(app.count("SELECT count(*) AS n FROM bill"), 1);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_log WHERE action = 'bill.create'"),
        1
    );
    let other = app
        .send(
            Method::POST,
            "/api/v1/bills",
            Some(&t),
            Some(json!({"bill_number": "INT-8", "capacity": 4})),
            &key,
        )
        .await;
    assert_eq!(other.code(), ErrorCode::IdempotencyKeyReused);
}
